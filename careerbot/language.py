"""Which language a visitor writes in, English or Spanish, so that the answer comes in it.

Each word votes for the language in which it is clearly the more frequent, by the word frequencies
spaCy ships for both languages (spacy-lookups-data): Spanglish is answered in the language most of
its words are in ("estoy applying a jobs pero nadie me llama"). When the votes are even, Lingua
(lingua-language-detector, its models inside the package, offline), restricted to the two
languages, decides. What is no language at all is evidence of neither and leaves the conversation
in the language it is in: a ZIP code, a phone number, an e-mail address, a name or a place on its
own, emoji, "ok", "no". A request to switch ("en español por favor", "can you speak spanish?") is
the language asked for, whatever language it is written in.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Dict, Iterable, Mapping, Optional, Sequence, Tuple

from careerbot.text_input import fold_accents

# The languages the assistant answers in; it starts in the first.
LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = LANGUAGES[0]

# Fillers both English and Spanish speakers type, which say nothing of the language.
_FILLER = re.compile(r"^(o+k+[aeiy]*|k+|no+|lo+l|h+m+|m+|a+h+|o+h+|e+h+|u+h+|u+m+|x+d+|ha(ha)+|"
                     r"ja(ja)+)$")
# Chat shorthand of one language only, which frequency tables of written text barely know.
_SHORTHAND = {
    "en": frozenset({"thx", "ty", "tysm", "pls", "plz", "idk", "u", "ur", "im", "ive", "dont",
                     "cant", "wanna", "gonna", "gotta", "yep", "yup", "nope", "yeah", "btw", "omg"}),
    "es": frozenset({"q", "xq", "pq", "porq", "tmb", "tb", "ntp", "porfa", "xfa", "plis",
                     "grasias", "nesesito", "kiero", "ke", "dnd", "sta", "nel", "orale", "vdd",
                     "sip"}),
}
# Greetings and thanks, which are never a name even when capitalised.
_CHAT_WORDS = frozenset({"hi", "hello", "hey", "thanks", "yes", "help", "good", "morning", "hola",
                         "gracias", "buenas", "buenos", "dias", "tardes", "noches", "si", "claro",
                         "bueno", "vale", "dale", "adios", "ayuda"})
_NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|www\.\S+|[+(]?\d[\d\s().+-]*\d|\d+|[^\w\s']|_", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)

_SPANISH = r"(?:espanol|spanish|castellano)"
_ENGLISH = r"(?:ingles|english)"
_ASK = (r"(?:speak|talk|write|answer|reply|respond|chat|continue|switch|change|go|do (?:this|it)|"
        r"get (?:this|it)|habl\w*|escrib\w*|contest\w*|respond\w*|segu\w*|sig\w*|cambi\w*|"
        r"prefer\w*|mejor|atiend\w*|explic\w*|dime|decir\w*)")
_NEGATION = r"(?<!\bno )(?<!\bnot )(?<!\bdont )(?<!\bcant )(?<!\bnunca )"
_POLITE = r"(?:please|pls|plz|(?:por|x) ?favor|porfa|xfa|plis)"
_OBJECTS = (r"(?:class\w*|clase\w*|curso\w*|course\w*|lesson\w*|teacher\w*|test\w*|exam\w*|"
            r"tutor\w*|speaker\w*|version\w*|skill\w*|well|good|bien|mucho|much)")


def _switch_patterns(language: str) -> Tuple["re.Pattern[str]", ...]:
    return (
        # "español", "english please", "in english pls", "en espanol porfa", "spanish?"
        re.compile(rf"^(?:(?:in|en) )?{language}(?: {_POLITE})?$"),
        re.compile(rf"^{_POLITE} (?:(?:in|en) )?{language}$"),
        # "can you speak spanish", "hablas ingles", "puedes hablar en ingles", "switch to english"
        re.compile(rf"\b{_NEGATION}{_ASK}(?: (?:to|a|al|in|en|me|us|nos|conmigo|with me|back))* "
                   rf"{language}\b(?! {_OBJECTS})"),
        # "can we do this in spanish please", "en español por favor"
        re.compile(rf"\b(?:in|en) {language} {_POLITE}\b"),
    )


_SWITCH = {"es": _switch_patterns(_SPANISH), "en": _switch_patterns(_ENGLISH)}


def fold(text: str) -> str:
    """Lower case without accents: people type 'espanol', 'ingles', 'mi', 'si'."""
    return fold_accents(text.lower())


@dataclass(frozen=True)
class LanguageJudgement:
    # "en" or "es"; None when the message is evidence of neither.
    language: Optional[str]
    # The person asked to be answered in `language`.
    switch_requested: bool = False


def requested_language(text: str) -> Optional[str]:
    """The language a message asks to be answered in, or None."""
    folded = " ".join(re.sub(r"[^\w\s]", " ", fold(text)).split())
    asked = [language for language, patterns in _SWITCH.items()
             if any(p.search(folded) for p in patterns)]
    return asked[0] if len(asked) == 1 else None


def language_words(text: str, ignored: Iterable[Tuple[int, int]] = ()) -> Sequence[str]:
    """The words of a message that can show its language: not numbers, contact details, emoji,
    or the spans of places and names other components found (`ignored`)."""
    kept = list(text)
    for start, end in ignored:
        kept[start:end] = " " * (end - start)
    return _WORD.findall(_NOT_WORDS.sub(" ", "".join(kept)))


def carries_no_language(words: Sequence[str]) -> bool:
    """No words, only fillers ("ok", "lol", "hmm"), or only a name or a place."""
    return not words or all(_FILLER.match(fold(w)) for w in words) or _only_names(words)


def _only_names(words: Sequence[str]) -> bool:
    """'Ana Ruiz', 'El Paso', 'Walmart', 'GED': capitalised words, not a greeting or a thanks, the
    way a name or a place is typed on its own."""
    return len(words) <= 4 and all(w[:1].isupper() and fold(w) not in _CHAT_WORDS for w in words)


def _voting_words(words: Sequence[str]) -> Sequence[str]:
    """Capitalised words after the first are names ("me llamo Kevin", "im Maria from Texas")."""
    return [w for i, w in enumerate(words)
            if i == 0 or not w[:1].isupper() or len(w) == 1 or fold(w) in _SHORTHAND["en"]]


WordTable = Mapping[str, float]


def word_table_from_spacy_lookups(rarest_log_probability: float = -16.0,
                                  least_difference: float = 1.0) -> Dict[str, float]:
    """Each folded word clearly more frequent in one language than in the other, with the
    difference of its log frequencies in Spanish and in English (spacy-lookups-data's lexeme
    probabilities, a million words a language). Words rarer than `rarest_log_probability` in both
    are left out: there the tables are noise (misspellings, foreign names)."""
    from careerbot.nlp import word_log_probabilities
    unknown = -20.0
    both: Dict[str, list] = {}
    for index, language in enumerate(LANGUAGES):
        for word, log_probability in word_log_probabilities(language):
            if log_probability > rarest_log_probability:
                pair = both.setdefault(fold(word), [unknown, unknown])
                pair[index] = max(pair[index], log_probability)
    return {word: round(spanish - english, 2) for word, (english, spanish) in both.items()
            if abs(spanish - english) >= least_difference}


class LanguageDetector:
    """English or Spanish, or None, for one message.

    `word_table`: word_table_from_spacy_lookups(). `vote_margin`: how much more frequent (in log
    frequency) a word must be in one language to vote for it. `min_confidence`: Lingua's
    confidence below which words whose votes are even are evidence of neither."""

    def __init__(self, word_table: WordTable, vote_margin: float, min_confidence: float) -> None:
        self._words = word_table
        self._vote_margin = vote_margin
        self._min_confidence = min_confidence

    def judge(self, text: Optional[str], hint: Optional[str] = None,
              ignored: Iterable[Tuple[int, int]] = ()) -> LanguageJudgement:
        """`hint`: the channel's language ("es-MX"), which decides only what the words leave
        open. `ignored`: character spans that are places or names."""
        if not text or not text.strip():
            return LanguageJudgement(None)
        asked = requested_language(text)
        if asked:
            return LanguageJudgement(asked, switch_requested=True)
        words = language_words(text, ignored)
        if carries_no_language(words):
            return LanguageJudgement(None)
        votes = self.votes(_voting_words(words))
        if votes["en"] != votes["es"]:
            return LanguageJudgement(max(LANGUAGES, key=votes.__getitem__))
        confidence = self.confidences(" ".join(words))
        best = max(LANGUAGES, key=confidence.__getitem__)
        if confidence[best] >= self._min_confidence:
            return LanguageJudgement(best)
        hinted = channel_hint(hint)
        if hinted and confidence[hinted] >= 0.5:
            return LanguageJudgement(hinted)
        return LanguageJudgement(None)

    def votes(self, words: Iterable[str]) -> Dict[str, int]:
        votes = dict.fromkeys(LANGUAGES, 0)
        for word in words:
            folded = fold(word)
            difference = self._words.get(folded, 0.0)
            if folded in _SHORTHAND["en"] or (folded not in _SHORTHAND["es"]
                                             and difference <= -self._vote_margin):
                votes["en"] += 1
            elif folded in _SHORTHAND["es"] or difference >= self._vote_margin:
                votes["es"] += 1
        return votes

    @staticmethod
    def confidences(text: str) -> Dict[str, float]:
        values = dict.fromkeys(LANGUAGES, 0.0)
        for value in _lingua().compute_language_confidence_values(text):
            values[value.language.iso_code_639_1.name.lower()] = value.value
        return values


def channel_hint(language_tag: Optional[str]) -> Optional[str]:
    """'es-MX' (a browser's language, Telegram's language_code) -> 'es'; others -> None."""
    if not isinstance(language_tag, str):
        return None
    primary = language_tag.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


@functools.lru_cache(maxsize=1)
def _lingua():
    from lingua import Language, LanguageDetectorBuilder
    # Loaded at once, not during someone's first turn.
    return (LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
            .with_preloaded_language_models().build())


def warm_up() -> None:
    _lingua()
