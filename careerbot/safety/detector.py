"""Crisis detection by rules: spaCy Matcher patterns over lemmas, in English and Spanish, with
negation ("I'd never hurt myself") and figurative or professional uses ("this commute is killing
me", "suicide prevention jobs") told apart.

The rules read every clause of a message, however long, so a crisis mentioned in passing inside
a paragraph about a job search is found. The NLU classifier's own `crisis` prediction is combined
with these rules in components/crisis_safety_net.py (see `combine`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lang.es.stop_words import STOP_WORDS as SPANISH_STOP_WORDS
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from careerbot.nlp import english, is_common_english_word
from careerbot.safety import english as english_rules
from careerbot.safety import spanish as spanish_rules
from careerbot.safety.rules import CLAUSE_ENDS, GUARD, NEGATABLE, Rule, compile_spec, spec_words
from careerbot.safety.text import normalise
from careerbot.text_input import fold_accents

SUICIDE, DANGER, VIOLENCE = english_rules.SUICIDE, english_rules.DANGER, english_rules.VIOLENCE
# Which answer a person gets when several kinds match: violence at home adds its hotline.
KIND_PRIORITY = (VIOLENCE, DANGER, SUICIDE)

_NEGATIONS = frozenset({"not", "n't", "never", "no", "nunca", "jamas"})
# A negation before these is about them, not about what follows: "can't stop thinking about
# killing myself".
_NEGATION_STOPS = frozenset({"stop", "help", "quit", "resist", "shake", "control", "dejar",
                             "evitar", "sure", "know", "tell", "remember", "care", "anymore",
                             "matter", "think"})
_FIRST_PERSON = frozenset({"i", "me", "my", "myself", "yo", "mi"})
# Whom a sentence is about, when it is not the person writing.
_SOMEONE_ELSE = frozenset({
    "he", "she", "they", "him", "her", "his", "them", "friend", "son", "daughter", "brother",
    "sister", "kid", "child", "mom", "dad", "mother", "father", "coworker", "roommate", "cousin",
    "wife", "husband", "partner", "boyfriend", "girlfriend", "student", "someone", "somebody",
    "bestie", "niece", "nephew", "teen", "grandma", "grandpa", "neighbor", "himself", "herself",
    "themselves", "el", "ella", "hijo", "hija", "amigo", "amiga", "hermano", "hermana", "se",
    "esposo", "esposa", "novio", "novia", "mama", "papa", "primo", "prima", "sobrino", "sobrina",
    "companero", "companera", "vecino", "vecina"})
_BACKWARD_WINDOW = 3
_SUBJECT_WINDOW = 8


@dataclass(frozen=True)
class CrisisSignal:
    """What the rules found: the answer's kind, the language it was said in, whether it is about
    someone else, and which rules matched (for staff and for measuring)."""

    kind: str
    language: str
    about_someone_else: bool
    rules: Tuple[str, ...]


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    not_followed_by: FrozenSet[str]


class _RuleSet:
    """One language's rules, compiled for one spaCy vocabulary."""

    def __init__(self, language: str, nlp: Language, norm: Callable[[str, str], str],
                 rules: Sequence[Rule], classes: Dict[str, Sequence[str]],
                 cues: Sequence[str]) -> None:
        self.language = language
        self.nlp = nlp
        self._norm = norm
        self.rules: Dict[int, _CompiledRule] = {}
        # One matcher a rule, found through the words one of which every match of it holds (its
        # anchors): a message runs only the rules whose anchors it has, a few of some 400.
        self._matchers: Dict[int, Matcher] = {}
        self._rules_by_anchor: Dict[str, List[int]] = {}
        for rule in rules:
            patterns, not_followed_by = compile_spec(rule.spec, classes, self.norm_word)
            key = nlp.vocab.strings.add(rule.id)
            matcher = Matcher(nlp.vocab, validate=True)
            matcher.add(rule.id, patterns, greedy="LONGEST")
            self._matchers[key] = matcher
            self.rules[key] = _CompiledRule(rule, not_followed_by)
            for word in frozenset().union(*(_anchor(pattern) for pattern in patterns)):
                self._rules_by_anchor.setdefault(word, []).append(key)
        self.cues = frozenset(self.norm_word(word) for word in cues)

    def _matches(self, doc: Doc) -> List[Tuple[_CompiledRule, int, int]]:
        keys = {key for token in doc for key in self._rules_by_anchor.get(token.norm_, ())}
        return [(self.rules[key], start, end) for key in keys
                for _, start, end in self._matchers[key](doc)]

    def has_cue(self, doc: Doc) -> bool:
        return any(token.norm_ in self.cues for token in doc)

    def guarded(self, doc: Doc) -> bool:
        return any(compiled.rule.role == GUARD for compiled, _, _ in self._matches(doc))

    def norm_word(self, word: str) -> str:
        tokens = list(self.nlp.tokenizer(word))
        if len(tokens) != 1:
            return word
        return self._norm(tokens[0].lower_, self._lemma(tokens[0].text))

    def _lemma(self, text: str) -> str:
        return self.nlp(text)[0].lemma_ if "lemmatizer" in self.nlp.pipe_names else text

    def parse(self, text: str) -> Doc:
        doc = self.nlp(text) if "lemmatizer" in self.nlp.pipe_names else self.nlp.make_doc(text)
        for token in doc:
            token.norm_ = self._norm(token.lower_, token.lemma_ or token.lower_)
        return doc

    def find(self, text: str) -> Optional[CrisisSignal]:
        doc = self.parse(text)
        matches = self._matches(doc)
        guards = [(start, end) for compiled, start, end in matches if compiled.rule.role == GUARD]
        found = [(compiled.rule, start, end) for compiled, start, end in matches
                 if compiled.rule.role != GUARD
                 and not (end < len(doc) and doc[end].norm_ in compiled.not_followed_by)
                 and not any(g_start <= start and end <= g_end for g_start, g_end in guards)
                 and not (compiled.rule.role == NEGATABLE and _negated(doc, start))]
        if not found:
            return None
        kinds = {rule.kind for rule, _, _ in found}
        kind = next(k for k in KIND_PRIORITY if k in kinds)
        someone_else = kind != VIOLENCE and all(_about_someone_else(doc, start, end)
                                                 for rule, start, end in found if rule.kind == kind)
        return CrisisSignal(kind, self.language, someone_else,
                            tuple(sorted({rule.id for rule, _, _ in found})))


def _anchor(pattern: Sequence[dict]) -> FrozenSet[str]:
    """The words of a pattern's least common required token: one of them is in every match."""
    required = [frozenset(token["NORM"]["IN"]) for token in pattern
                if "IN" in token.get("NORM", {}) and token.get("OP") != "?"]
    return min(required, key=lambda words: (sum(w in STOP_WORDS for w in words), len(words)))


def _negated(doc: Doc, start: int) -> bool:
    for token in reversed(doc[max(0, start - _BACKWARD_WINDOW):start]):
        if token.norm_ in CLAUSE_ENDS or token.norm_ in _NEGATION_STOPS or token.lower_ in ("i", "yo"):
            return False
        if token.norm_ in _NEGATIONS or token.lower_ in _NEGATIONS:
            return True
    return False


def _about_someone_else(doc: Doc, start: int, end: int) -> bool:
    if any(token.lower_ in ("himself", "herself", "themselves", "themself", "se")
           for token in doc[start:end]):
        return True
    for token in reversed(doc[max(0, start - _SUBJECT_WINDOW):start]):
        word = fold_accents(token.lower_)
        if word in _FIRST_PERSON:
            return False
        if word in _SOMEONE_ELSE:
            return True
        if token.norm_ in CLAUSE_ENDS and token.norm_ not in (",", "and", "y"):
            break
    return False


# Where spaCy's lookup lemma would merge words the rules must tell apart ("done with life" is
# not "doing with my life") or gets a word wrong ("dying" -> "dye").
_ENGLISH_LEMMAS = {"done": "done", "dying": "die", "'s": "be", "'m": "be", "'re": "be",
                   "cuts": "cut", "scars": "scar", "been": "been"}


def _english_norm(lower: str, lemma: str) -> str:
    return _ENGLISH_LEMMAS.get(lower) or lemma.lower()


def _spanish_norm(lower: str, lemma: str) -> str:
    folded = fold_accents(lower)
    return spanish_rules.LEMMAS.get(folded, folded)


@functools.lru_cache(maxsize=1)
def _rule_sets() -> Tuple[_RuleSet, ...]:
    spanish = spacy.blank("es")
    return (_RuleSet("en", english(), _english_norm, english_rules.RULES, english_rules.CLASSES,
                     english_rules.CUES),
            _RuleSet("es", spanish, _spanish_norm, spanish_rules.RULES, spanish_rules.CLASSES,
                     spanish_rules.CUES))


@functools.lru_cache(maxsize=1)
def _known_words() -> "Known":
    return Known(frozenset().union(*(spec_words(rule.spec, rules.CLASSES)
                                     for rules in (english_rules, spanish_rules) for rule in rules.RULES)))


class Known:
    """Words never corrected as typos: every word spaCy's English lookup table knows, and every
    word the rules are written in."""

    def __init__(self, rule_words: FrozenSet[str]) -> None:
        self._rule_words = rule_words

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self._rule_words or is_common_english_word(word))


def _mostly_spanish(text: str) -> bool:
    """More Spanish than English function words ("ya no quiero vivir", not "i feel like no one
    would care"): which language to answer a Spanglish message in."""
    words = text.split()
    return sum(w in SPANISH_STOP_WORDS for w in words) > sum(w in STOP_WORDS for w in words)


def detect_crisis(text: Optional[str]) -> Optional[CrisisSignal]:
    """The crisis a message expresses, by rule, or None; in Spanish when only the Spanish rules
    matched or the message is mostly Spanish."""
    if not text or not text.strip():
        return None
    normalised = normalise(text, _known_words())
    signals = [signal for signal in (rules.find(normalised) for rules in _rule_sets()) if signal]
    if not signals:
        return None
    kinds = {signal.kind for signal in signals}
    kind = next(k for k in KIND_PRIORITY if k in kinds)
    # Spanglish may match only English rules ("i relapsed otra vez con el cutting"): the reply
    # is in the language most of the message is in.
    languages = {signal.language for signal in signals}
    language = "es" if languages == {"es"} or _mostly_spanish(normalised) else "en"
    return CrisisSignal(kind, language,
                        all(s.about_someone_else for s in signals if s.kind == kind),
                        tuple(r for s in signals for r in s.rules))


def _parsed(text: str) -> List[Tuple[_RuleSet, Doc]]:
    normalised = normalise(text, _known_words())
    return [(rules, rules.parse(normalised)) for rules in _rule_sets()]


def figurative(text: Optional[str]) -> bool:
    """Whether the message uses crisis words figuratively or professionally ("killed the
    interview", "crisis counselor jobs")."""
    return bool(text) and any(rules.guarded(doc) for rules, doc in _parsed(text))


def classifier_may_decide(text: Optional[str]) -> bool:
    """Whether DIET alone may call this message a crisis: it speaks of death, harm, danger or
    fear at all (a cue word), and not figuratively or professionally."""
    if not text:
        return False
    docs = _parsed(text)
    return (any(rules.has_cue(doc) for rules, doc in docs)
            and not any(rules.guarded(doc) for rules, doc in docs))


def message_language(text: Optional[str]) -> str:
    """The language to answer a crisis no rule recognised in."""
    return "es" if text and _mostly_spanish(fold_accents(text.lower())) else "en"


def warm_up(texts: Iterable[str] = ("i want to kill myself", "ya no quiero vivir")) -> None:
    """Compile the rules and load the tables before the first person's message needs them."""
    for text in texts:
        detect_crisis(text)
