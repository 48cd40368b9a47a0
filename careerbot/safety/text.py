"""How a message is written before the crisis rules read it: the way people type on a phone.

People in distress type fast: no apostrophes, text-speak ("wanna", "kms", "rn"), letters held
down ("diee"), one letter missed or swapped ("sucide", "kil myself"). The rules are written for
standard words, so the message is brought to them first; the original text is never changed.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Dict, Iterable

# Text-speak and apostrophe-less forms, to the words the rules are written in.
_SHORT_FORMS: Dict[str, str] = {
    "wanna": "want to", "wana": "want to", "gonna": "going to", "gona": "going to",
    "gotta": "got to", "tryna": "trying to", "finna": "going to", "imma": "i am going to",
    "ima": "i am going to", "im": "i am", "ive": "i have", "youre": "you are",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not",
    "cannot": "can not", "wont": "will not", "wouldnt": "would not", "couldnt": "could not",
    "isnt": "is not", "wasnt": "was not", "arent": "are not", "aint": "am not",
    "hes": "he is", "shes": "she is", "hed": "he would", "hell": "he will", "shell": "she will", "theyd": "they would", "theyre": "they are", "thats": "that is",
    "whats": "what is", "theres": "there is", "nobodys": "nobody is",
    "u": "you", "ur": "your", "r": "are", "rn": "right now", "tn": "tonight", "2nite": "tonight",
    "tonite": "tonight", "bc": "because", "cuz": "because", "coz": "because", "w": "with",
    "bf": "boyfriend", "gf": "girlfriend", "hubby": "husband", "bd": "baby daddy",
    "kms": "kill myself", "kmsf": "kill myself", "unalive": "kill", "unaliving": "killing",
    "sewerslide": "suicide", "sh": "self harm", "chugged": "drank",
    "od": "overdose", "oded": "overdosed", "od'd": "overdosed", "ded": "dead",
    "myslef": "myself", "myselft": "myself", "meself": "myself", "mysef": "myself",
    "kil": "kill", "kiling": "killing", "kiled": "killed", "pils": "pills",
    # Spanish written without accents or in chat shorthand.
    "q": "que", "xq": "porque", "pq": "porque", "tmb": "también",
    "kiero": "quiero", "kieres": "quieres", "nadien": "nadie", "aki": "aquí",
}

# Words the rules depend on, for correcting a single typo in a longer word. Only words of five
# letters or more are corrected, and only to these, so ordinary words are never bent into them.
_KEYWORDS = (
    "suicide", "suicidal", "myself", "overdose", "overdosed", "overdosing", "killing", "pills",
    "alive", "living", "dying", "burden", "goodbye", "disappear", "disappearing", "exist",
    "existing", "strangled", "strangle", "choked", "choking", "threatened", "threatens",
    "threatening", "boyfriend", "girlfriend", "husband", "partner", "abusive", "abusing",
    "hurting", "cutting", "anymore", "tonight", "forever", "paycheck",
    "suicidarme", "suicidio", "matarme", "morirme", "desaparecer", "pastillas", "amenaza",
    "amenazó", "golpea", "golpeó", "esposo", "marido", "quitarme",
)
_KEYWORDS_BY_LENGTH: Dict[int, list] = {}
for _word in _KEYWORDS:
    _KEYWORDS_BY_LENGTH.setdefault(len(_word), []).append(_word)

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
# "my id" (a card), which spaCy would read as "I'd".
_IDENTIFICATION = re.compile(r"\b(my|his|her|our|the|your) id\b")
_HELD_DOWN = re.compile(r"([^\W\d_])\1+", re.UNICODE)


def _one_edit_apart(a: str, b: str) -> bool:
    """One letter changed, added, dropped, or two neighbours swapped."""
    if a == b:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(diffs) == 1:
            return True
        return (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def _corrected(word: str, known: Iterable[str]) -> str:
    if word in _SHORT_FORMS:
        return _SHORT_FORMS[word]
    if word in known:
        return word
    # Letters held down: "dieeee" -> "die", "killlll" -> "kill".
    for held in (_HELD_DOWN.sub(r"\1\1", word), _HELD_DOWN.sub(r"\1", word)):
        if held != word and (held in known or held in _SHORT_FORMS):
            return _SHORT_FORMS.get(held, held)
    if len(word) < 5:
        return word
    for length in (len(word) - 1, len(word), len(word) + 1):
        for keyword in _KEYWORDS_BY_LENGTH.get(length, ()):
            if _one_edit_apart(word, keyword):
                return keyword
    return word


def normalise(text: str, known_words: Iterable[str] = frozenset()) -> str:
    """Lower case, straight apostrophes, single spaces, held-down letters reduced, text-speak
    expanded and one-letter typos of the rules' key words corrected. `known_words` are words
    that are never corrected (real words that happen to be one letter from a key word)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _IDENTIFICATION.sub(r"\1 identification", text)
    text = _WORD.sub(lambda m: _corrected(m.group(0), known_words), text)
    return re.sub(r"\s+", " ", text).strip()
