"""The contact details a person leaves for a counselor: a name, and a phone number or e-mail.

People give them in passing ("can someone call me back, I'm Ana Ruiz, 312 555 0147") as often as
in answer to a question, so each is looked for anywhere in a message. Phone numbers are read by
Google's libphonenumber (the `phonenumbers` package): US numbers in any of the ways people write
them, and international ones written with their country code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

import phonenumbers
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lang.es.stop_words import STOP_WORDS as SPANISH_STOP_WORDS

from careerbot.phone_numbers import HOME_REGION, international_prefix_as_plus
from careerbot.text_input import fold_accents

_NAME_PREFIX = re.compile(r"^((ok|okay|sure|yes|yeah|yep|fine|si|sí|claro|dale|bueno)[,.!]?\s+)?"
                          r"(my name is|my name's|my names|name is|i am|i'm|im|it's|its|this is|call me|"
                          r"me llamo|mi nombre es|yo soy|soy|habla)?\s*",
                          re.IGNORECASE)
# Spanish function words, less the particles of names ("Juan de la Cruz", "Ana del Río").
_NAME_PARTICLES = {"de", "del", "la", "las", "los", "y"}
_SPANISH_NOT_NAMES = SPANISH_STOP_WORDS - _NAME_PARTICLES
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$")
_QUESTION_WORDS = {"what", "how", "where", "why", "when", "who", "can", "could", "do", "does",
                   "is", "are", "should", "will", "would"}
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# A name given in passing: "I'm Ana Ruiz", "my name is ana", "sure, it's Dave", "this is Kim".
# After "my name is" the next word is a name whatever it is; after "I'm" or "it's" a common
# lower-case word is not ("I'm looking", "it's fine").
_NAME_IN_PASSING = re.compile(
    r"(?:^|[\s,.;!(])(?:(?P<sure>my name is|my name's|my names|name's|name is|me llamo|mi nombre es)"
    r"|i am|i'm|im|this is|it's|its|call me|soy)"
    r"\s+(?P<name>[^\W\d_][^\W\d_'\-]*(?:[ ][^\W\d_][^\W\d_'\-]*)?)", re.IGNORECASE)
# Answers that are not names, typed where a name is asked.
_NOT_NAMES = {"yes", "yeah", "yep", "ok", "okay", "sure", "no", "nope", "idk", "hi", "hello",
              "thanks", "thank", "lol", "what", "why", "huh", "nvm", "nevermind", "actually",
              "cancel", "stop", "skip", "forget", "later", "pass", "bye", "none", "anonymous",
              "si", "sí", "claro", "dale", "vale", "bueno", "gracias", "hola", "nel", "porfa",
              "cancelar", "parar", "saltar", "nada", "ninguno", "despues", "después", "adios"}


@dataclass(frozen=True)
class ContactDetail:
    kind: str  # "phone" or "email"
    value: str


@dataclass(frozen=True)
class ContactInPassing:
    name: Optional[str]
    detail: Optional[ContactDetail]


def clean_name(text: Optional[str]) -> Optional[str]:
    """A person's name from what they typed ("my name is Maria Lopez" -> "Maria Lopez")."""
    if not text:
        return None
    name = _NAME_PREFIX.sub("", " ".join(text.split())).strip(" .!,")
    words = name.split()
    if not words or len(words) > 5 or len(name) > 60 or words[0].lower() in _QUESTION_WORDS:
        return None
    # "what's the weather tomorrow", "yes", "si": words of a sentence, not of a name ("Will" may be).
    if any(w.islower() and (w in STOP_WORDS or w in _SPANISH_NOT_NAMES or w in _NOT_NAMES)
           for w in words):
        return None
    if not _NAME.match(name):
        return None
    return " ".join(w[:1].upper() + w[1:] if w.islower() and (i == 0 or w not in _NAME_PARTICLES)
                    else w for i, w in enumerate(words))


def _phone_numbers(text: str):
    """Phone numbers in the text: valid ones, and ones written with a country code ("+44 7700
    900123") that are possible for that country, which the read-back lets the person check."""
    text = international_prefix_as_plus(text)
    for match in phonenumbers.PhoneNumberMatcher(text, HOME_REGION, leniency=phonenumbers.Leniency.POSSIBLE):
        if phonenumbers.is_valid_number(match.number) or (
                match.raw_string.lstrip().startswith("+") and phonenumbers.is_possible_number(match.number)):
            yield match


def find_phone_number(text: str) -> Optional[ContactDetail]:
    """The first phone number in the text: a US number as 217-555-0134, another country's in
    its international form (+44 20 7946 0958)."""
    for match in _phone_numbers(text):
        formatted = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        if match.number.country_code == 1:
            formatted = formatted[len("+1 "):]
        return ContactDetail("phone", formatted)
    return None


def find_email(text: str) -> Optional[ContactDetail]:
    found = _EMAIL.search(text)
    return ContactDetail("email", found.group(0).lower()) if found else None


def parse_contact_detail(text: Optional[str]) -> Optional[ContactDetail]:
    """A phone number or an e-mail address in what the person typed, normalised, or None."""
    if not text:
        return None
    return find_email(text) or find_phone_number(text)


def find_name(text: str, is_common_word: Callable[[str], bool]) -> Optional[str]:
    """A name given in passing ("I'm Ana Ruiz, 312 555 0147" -> "Ana Ruiz"). A lower-case word
    that is a common word ("I'm looking", "it's fine") is not taken as a name."""
    for found in _NAME_IN_PASSING.finditer(text):
        words = []
        for word in found.group("name").split():
            named_outright = found.group("sure") and not words
            if not named_outright and (word.islower() and is_common_word(word)
                                       or word.lower() in _QUESTION_WORDS):
                break
            words.append(word)
        name = clean_name(" ".join(words))
        if name:
            return name
    return None


# Words around a name written next to a number ("Jonas here, call me on ...", "pls, Derek 217 ...").
_AROUND_A_NAME = {"here", "pls", "please", "thanks", "thx", "its", "it's", "im", "i'm"}
_CHUNK_BREAK = re.compile(r"[,.;:!?()]|\b(?:or|and|at|on)\b", re.IGNORECASE)


def _name_beside_detail(text: str, is_common_word: Callable[[str], bool]) -> Optional[str]:
    """A name written beside a phone number or e-mail without "I'm" ("Ray Chen, 217 555 0190",
    "counselor pls, Derek 217 555 0168"): a chunk of one to three words of which one at least is
    capitalised and none is a common lower-case word."""
    text = international_prefix_as_plus(text)
    spans = [m.span() for m in _EMAIL.finditer(text)] + [(m.start, m.end) for m in _phone_numbers(text)]
    if not spans:
        return None
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + "," + text[end:]
    for chunk in _CHUNK_BREAK.split(text):
        words = [w for w in chunk.split() if w.lower() not in _AROUND_A_NAME]
        if not 1 <= len(words) <= 3 or not any(w[:1].isupper() for w in words):
            continue
        if all(w[:1].isupper() or not is_common_word(w) for w in words):
            name = clean_name(" ".join(words))
            if name:
                return name
    return None


def contact_in_passing(text: Optional[str], is_common_word: Callable[[str], bool]) -> ContactInPassing:
    if not text:
        return ContactInPassing(None, None)
    name = find_name(text, is_common_word) or _name_beside_detail(text, is_common_word)
    return ContactInPassing(name, parse_contact_detail(text))


# "how long till they get back to me", "when will someone call", "how soon do i hear back".
_WHEN_CONTACTED = re.compile(
    r"\b(how long|how soon|how fast|when)\b.{0,40}?"
    r"\b(get back|call|calls|contact|hear|reach|respond|reply|text|email|answer)\b", re.I)


# "when can i call them" asks when to call, not when to be called.
_PERSON_GETS_IN_TOUCH = re.compile(r"\b(i|me)\s+(can\s+|should\s+)?(call|contact|reach|text|email)\b",
                                   re.I)


# "cuando me van a llamar", "en cuanto tiempo me contestan", "cuanto tardan en llamarme".
_WHEN_CONTACTED_SPANISH = re.compile(
    r"\b(cuando|cuanto tiempo|cuanto tardan?|que tan pronto)\b.{0,40}?"
    r"\b(me\s+\w*\s*)?(llam\w*|contact\w*|contest\w*|respond\w*|escrib\w*|comunic\w*)\b", re.I)
# "cuando los puedo llamar" asks when to call, not when to be called.
_PERSON_GETS_IN_TOUCH_SPANISH = re.compile(r"\b(puedo|debo)\s+(llamar|contactar|escribir)", re.I)


def asks_when_contacted(text: Optional[str]) -> bool:
    """Whether the message asks how soon a counselor will get in touch."""
    if not text:
        return False
    folded = fold_accents(text)
    return bool((_WHEN_CONTACTED.search(text) and not _PERSON_GETS_IN_TOUCH.search(text))
                or (_WHEN_CONTACTED_SPANISH.search(folded)
                    and not _PERSON_GETS_IN_TOUCH_SPANISH.search(folded)))
