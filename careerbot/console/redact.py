"""Find and redact the personal details people type: e-mail addresses, phone numbers, social
security numbers and street addresses.

Applied to lists, transcripts and exports unless an admin reveals one conversation. Detection errs
on the side of redacting: a counselor losing "12 Oak Lane" from a sentence costs little, while
showing a person's details to everyone who opens the console costs a lot. What the assistant
says is public (the office, help lines, the services it lists, with their phone numbers and
addresses) except where it repeats what the person gave it, which `ConversationRedactor` tells.

Phone numbers are read by libphonenumber, as careerbot/contact.py reads them when a person leaves
one; e-mail addresses, social security numbers and addresses written with a street suffix by
patterns; addresses without a suffix ("I live at 1234 Elm") only after words that introduce an
address. Everything is built once at import; a message without a digit, "@" or
" at " costs a few microseconds.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Tuple

import phonenumbers

from careerbot.office import OfficeFileError, current_office
from careerbot.phone_numbers import HOME_REGION, international_prefix_as_plus

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"
ADDRESS_MARK = "[address]"
SSN_MARK = "[ssn]"


@dataclass(frozen=True)
class Found:
    """A personal detail in a text: where, its mark, and a key that is the same however the
    detail is written ("217.555.0134" and "(217) 555-0134"), to recognise it when read back."""

    start: int
    end: int
    mark: str
    key: str


# --- e-mail addresses ----------------------------------------------------------------------------

# \w is any script's letters, so "josé@correo.es" and "ana@exämple.de" are found too.
EMAIL = re.compile(r"(?<![\w.%+'-])[\w.%+'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# Written so that spam robots miss them: "jane @ example.com", "jane (at) example (dot) com",
# "jane dot doe at gmail dot com". A bare "at" is an ordinary word ("I looked at indeed.com"), so
# after it the domain must be written with "dot" or be a mail provider's.
_LOCAL = r"[\w%+'-]+(?:(?:\.|\s+dot\s+|\s*[(\[{<]\s*dot\s*[)\]}>]\s*)[\w%+'-]+)*"
_AT_SIGN = r"\s*(?:@|[(\[{<]\s*at\s*[)\]}>])\s*"
_DOT_WORD = r"(?:\s+dot\s+|\s*[(\[{<]\s*dot\s*[)\]}>]\s*)"
_DOT = rf"(?:\s*\.\s*|{_DOT_WORD})"
_TLD = (r"(?:com|org|net|edu|gov|mil|us|co|io|info|biz|me|uk|ca|mx|de|fr|es|it|nl|ie|in|au|nz|br|"
        r"jp|ph|pr|app|dev|ai|tv|email|online|xyz)(?!\w)")
_PROVIDER = r"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|msn|aol|icloud|protonmail)"
# Words that come before "at" and a website in what people write about job hunting.
_NOT_A_MAILBOX = (r"(?:look|looked|looking|apply|applied|applying|work|worked|working|jobs?|hiring|hired|"
                  r"openings|listings|positions|online|search|searched|searching|check|checked|shop|shopped|"
                  r"interview|interviewed|it|them|me|us|one|ones|stuff|site|website)")
OBFUSCATED_EMAIL = re.compile(rf"""
    (?<![\w.@%+'-])(?!{_NOT_A_MAILBOX}\s+at\s){_LOCAL}
    (?:
        {_AT_SIGN}[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}{_TLD}              # jane @ example . com
      | {_AT_SIGN}{_PROVIDER}(?!\w)                                # jane@gmail, jane (at) yahoo
      | \s+at\s+[\w-]+(?:{_DOT}[\w-]+)*?{_DOT_WORD}{_TLD}          # jane at example dot com
      | \s+at\s+{_PROVIDER}\.{_TLD}                                # jane at gmail.com
    )""", re.VERBOSE | re.IGNORECASE)
_KEY_DOT = re.compile(rf"{_DOT}", re.IGNORECASE)
_KEY_AT = re.compile(rf"{_AT_SIGN}|\s+at\s+", re.IGNORECASE)


_MAY_BE_WORDED_EMAIL = re.compile(r"\sat\s|[(\[{<]\s*at\s*[)\]}>]", re.IGNORECASE)


def _emails(text: str) -> Iterator[Found]:
    if "@" not in text and not _MAY_BE_WORDED_EMAIL.search(text):
        return
    for pattern in (EMAIL, OBFUSCATED_EMAIL):
        for match in pattern.finditer(text):
            key = _KEY_DOT.sub(".", _KEY_AT.sub("@", match.group(0).lower()))
            yield Found(match.start(), match.end(), EMAIL_MARK, key)


# --- phone numbers -------------------------------------------------------------------------------

# libphonenumber takes "-" but not "_" between digits; rewritten to the same length, as "00"
# before a country code is, so that found spans fit the original text.
_UNDERSCORE_AS_DASH = str.maketrans("_", "-")
# What libphonenumber cannot place from a US point of view: numbers in their country's own format,
# trunk prefix 0 and no country code ("07700 900123", "06 12 34 56 78"), and ones written with a
# country code in a form it no longer takes ("+52 1 33 1234 5678", Mexico's old mobile prefix).
UNPLACED_PHONE = re.compile(r"(?<![\w+.,/:-])(?:0\d(?:[ .-]?\d){8,12}|\+\s?\d(?:[ .()-]{0,2}\d){7,14})(?![\w.,/:-]*\d)")


# How people group a US number's digits: 2175550134, 217 5550134, 217-555-0134, 312 555 01 47,
# 555-0134; one digit at a time is allowed too. Anything else of the same length is something
# else: two ZIP codes ("62701 62702"), a date, a count.
_US_GROUPINGS = frozenset({(10,), (3, 7), (3, 3, 4), (3, 3, 2, 2), (6, 4), (3, 4)})


def _is_phone_number(match: phonenumbers.PhoneNumberMatch) -> bool:
    """POSSIBLE leniency finds anything of a phone number's length (VALID would miss numbers with
    unassigned area codes and 7-digit local ones); the way the digits are grouped tells a US
    number from other numbers. Numbers written with their country code are kept as found."""
    raw, number = match.raw_string, match.number
    if raw.lstrip("( ").startswith("+"):
        return True
    if number.country_code != 1:  # dialled from the US: 011 44 20 7946 0958
        return phonenumbers.is_valid_number(number)
    groups = [len(digits) for digits in re.findall(r"\d+", raw)]
    if number.extension:
        groups.pop()
    if groups[0] == 11 or (groups[0] == 1 and sum(groups) == 11):  # 1 before the area code
        groups[0] -= 1
        groups = [group for group in groups if group]
    return all(group == 1 for group in groups) or tuple(groups) in _US_GROUPINGS


def _phones(text: str) -> Iterator[Found]:
    probe = international_prefix_as_plus(text.translate(_UNDERSCORE_AS_DASH))
    for match in phonenumbers.PhoneNumberMatcher(probe, HOME_REGION, leniency=phonenumbers.Leniency.POSSIBLE):
        if _is_phone_number(match):
            key = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            yield Found(match.start, match.end, PHONE_MARK, key)
    for match in UNPLACED_PHONE.finditer(text):
        yield Found(match.start(), match.end(), PHONE_MARK, re.sub(r"\D", "", match.group(0)))


# --- social security numbers ---------------------------------------------------------------------

SSN = re.compile(r"(?<![\w-])\d{3}([- .])\d{2}\1\d{4}(?![\w-])")
# Nine digits in a row, or the last four, are an SSN only when the person says so.
_SSN_WORDS = r"(?:ssn|ss\#|ss\s+number|social(?:\s+security)?(?:\s+(?:number|num|no\.?|\#))?)"
SSN_AFTER_ITS_NAME = re.compile(
    rf"\b{_SSN_WORDS}\W{{0,3}}(?:(?:is|was|are|=)\s*)?"
    rf"(?:(?:last\s+(?:4|four)(?:\s+digits)?|ending(?:\s+in)?|ends\s+(?:in|with))\W{{0,3}}(?:(?:is|are)\s*)?)?"
    r"(?P<number>\d{3}[- .]?\d{2}[- .]?\d{4}|\d{4})(?![\w-])", re.IGNORECASE)
SSN_LAST_FOUR = re.compile(
    rf"\blast\s+(?:4|four)(?:\s+digits)?\s+of\s+(?:my\s+)?{_SSN_WORDS}\W{{0,3}}(?:(?:is|are|=)\s*)?"
    r"(?P<number>\d{4})(?![\w-])", re.IGNORECASE)


def _ssns(text: str) -> Iterator[Found]:
    for match in SSN.finditer(text):
        yield Found(match.start(), match.end(), SSN_MARK, re.sub(r"\D", "", match.group(0)))
    for pattern in (SSN_AFTER_ITS_NAME, SSN_LAST_FOUR):
        for match in pattern.finditer(text):
            yield Found(match.start("number"), match.end("number"), SSN_MARK,
                        re.sub(r"\D", "", match.group("number")))


# --- street addresses ----------------------------------------------------------------------------

_STREET_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|"
    "terrace|ter|parkway|pkwy|highway|hwy|circle|cir|square|sq|trail|trl|alley|aly|row|"
    "crescent|cres|plaza|plz|loop|pike|route|rte"
)
_HOUSE_NUMBER = r"\d{1,6}[A-Za-z]?(?:-\d{1,4})?"  # 123, 12B, 45-10
_DIRECTION = r"(?:(?:n|s|e|w|ne|nw|se|sw|north|south|east|west)\.?\s+)?"
_UNIT = r"(?:\s*,?\s*(?:apt|apartment|suite|ste|unit|fl|floor|rm|room|\#)\.?\s*\#?\s*[A-Za-z0-9-]+)?"
# Words that never start a street name: they keep "I have 2 kids on Main St" from matching
# "2 kids on Main St" as an address.
_NOT_A_STREET_WORD = r"(?!(?:and|or|on|in|at|to|of|for|with|from|my|our|your|kids?|children|years?|" \
                     r"days?|hours?|hrs?|jobs?|times?|blocks?|miles?|minutes?|mins?)\b)"
ADDRESS = re.compile(
    rf"""(?<![\w-])
        (?:
          {_HOUSE_NUMBER}
          \s+{_DIRECTION}
          (?:{_NOT_A_STREET_WORD}[A-Za-z0-9][\w'.-]*\s+){{1,4}}   # street name: Main, Martin Luther King Jr
          (?:{_STREET_SUFFIXES})\b\.?
          (?:\s+(?:n|s|e|w|ne|nw|se|sw|north|south|east|west)\b\.?)?
          {_UNIT}
          |
          p\.?\s*o\.?\s+box\s+\d+                              # P.O. Box 123
        )""",
    re.VERBOSE | re.IGNORECASE,
)

# Without a suffix, a house number and a name ("1234 Elm") are an address only after words that
# say so ("live on" is not one: people live on 2 incomes). After "live at", "my address is" or
# "send it to" any name counts; after "I'm at" only a capitalised one, since "I'm at 30
# applications" is about something else. (A pattern rather than spaCy's Matcher: importing spaCy
# loads TensorFlow through thinc, 6 s and 480 MB more in the web app.)
_ADDRESS_CUE = (r"(?:live|lives|living|reside|resides|residing|stay|stays|staying|located)\s+at"
                r"|(?:moved|moving)\s+to|address(?:\s+is|\s*:|'s)?|addy\s+is"
                r"|(?:house|home|apartment|place)\s+is(?:\s+at)?|(?:send|mail|deliver|ship)\s+(?:it|them|mail)\s+to")
_CAPITALISED_ADDRESS_CUE = r"(?:i['’]?m|i\s+am|we['’]?re|we\s+are)\s+at|come\s+to|pick\s+me\s+up\s+at|find\s+me\s+at"
_NOT_A_NAME = (r"(?:a|an|the|and|or|but|so|if|in|on|at|to|of|for|with|without|from|by|near|next|across|behind|"
               r"since|till|until|now|right|just|is|are|was|am|be|i|im|me|my|we|our|you|your|he|she|they|it|"
               r"its|this|that|there|here|pm|oclock|hours?|hrs|minutes?|mins|years?|yrs|months?|days?|weeks?|"
               r"kids|children|people|jobs?|applications|interviews|dollars?|bucks|cents|percent|miles?|acres|"
               r"times|points|credits|employees|clients|k|different|separate|other|more|most|places|houses|homes|"
               r"locations|spots|shelters)(?![\w'’-])")
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)\b"
_NAME_WORD = rf"(?!{_NOT_A_NAME})[^\W\d_][\w'’-]*"
_CAPITALISED_WORD = rf"(?!{_NOT_A_NAME})(?-i:[A-Z])[\w'’-]*"
SUFFIXLESS_ADDRESS = re.compile(
    rf"""\b(?:
          (?:{_ADDRESS_CUE})\s+
          (?P<named>{_HOUSE_NUMBER}\s+{_DIRECTION}(?:{_ORDINAL}|{_NAME_WORD})(?:\s+{_NAME_WORD}){{0,2}}{_UNIT})
        | (?:{_CAPITALISED_ADDRESS_CUE})\s+
          (?P<capitalised>{_HOUSE_NUMBER}\s+{_DIRECTION}(?:{_ORDINAL}|{_CAPITALISED_WORD})
                          (?:\s+{_CAPITALISED_WORD}){{0,2}}{_UNIT})
        )(?![\w'’-])""",
    re.VERBOSE | re.IGNORECASE,
)


def _address_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _addresses(text: str) -> Iterator[Found]:
    for match in ADDRESS.finditer(text):
        yield Found(match.start(), match.end(), ADDRESS_MARK, _address_key(match.group(0)))
    for match in SUFFIXLESS_ADDRESS.finditer(text):
        group = "named" if match.group("named") else "capitalised"
        yield Found(match.start(group), match.end(group), ADDRESS_MARK, _address_key(match.group(group)))


# --- finding and replacing -----------------------------------------------------------------------

_DIGIT = re.compile(r"\d")
# Seven digits with at most a few separators between each, the least a phone number is
# (555-0134). libphonenumber's matcher is most of the cost, so it runs only where this is found.
_MAY_BE_PHONE = re.compile(r"\d(?:[\s().+/_-]{0,3}\d){6}")


def find(text: str) -> List[Found]:
    """Every personal detail in the text, in order; one found two ways is listed twice."""
    found = list(_emails(text))
    if _DIGIT.search(text):
        found.extend(_ssns(text))
        found.extend(_addresses(text))
        if _MAY_BE_PHONE.search(text):
            found.extend(_phones(text))
    return sorted(found, key=lambda f: (f.start, -f.end))


def _replace(text: str, spans: List[Tuple[int, int, str]]) -> str:
    """The text with each span replaced by its mark; overlapping spans become one, with the
    mark of the one that starts first."""
    parts, position = [], 0
    merged: List[List] = []
    for start, end, mark in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, mark])
    for start, end, mark in merged:
        parts.append(text[position:start])
        parts.append(mark)
        position = end
    parts.append(text[position:])
    return "".join(parts)


@functools.lru_cache(maxsize=1)
def office_details() -> FrozenSet[str]:
    """The office's own phone, e-mail and address: public, and in many of the bot's replies."""
    try:
        office = current_office()
    except OfficeFileError:
        return frozenset()
    return frozenset(value.lower() for value in (office.phone, office.email, office.address) if value)


def _personal(text: str, keep: FrozenSet[str]) -> List[Found]:
    return [f for f in find(text) if not any(text[f.start:f.end].lower() in public for public in keep)]


def redact(text: str, keep: Optional[FrozenSet[str]] = None) -> str:
    """`text` with e-mail addresses, phone numbers, social security numbers and street addresses
    replaced by marks.

    Details found inside one of `keep` (lower-case; default: the office's own contact details)
    are left as they are.
    """
    if not text:
        return text
    found = _personal(text, office_details() if keep is None else keep)
    return _replace(text, [(f.start, f.end, f.mark) for f in found]) if found else text


def _each_string(value: Any, clean: Callable[[str], str]) -> Any:
    """`clean` applied to every string inside a JSON-like value (slot values, entities, buttons)."""
    if isinstance(value, str):
        return clean(value) if value else value
    if isinstance(value, list):
        return [_each_string(item, clean) for item in value]
    if isinstance(value, dict):
        return {key: _each_string(item, clean) for key, item in value.items()}
    return value


class ConversationRedactor:
    """Redacts one conversation, read in order of its events.

    What the person wrote (messages, and the entities and slots taken from them) is redacted
    whole. The assistant's replies are redacted only where they repeat a detail the person gave
    ("A counselor will call you at 217-555-0134"): the rest of what it says is public, and staff
    need the phone numbers and addresses of the services it listed.
    """

    def __init__(self, keep: Optional[FrozenSet[str]] = None) -> None:
        self._keep = office_details() if keep is None else keep
        self._keys: set = set()
        self._given: Dict[str, str] = {}  # as the person wrote it, lower-case -> its mark

    def person(self, value: Any) -> Any:
        return _each_string(value, self._person_text)

    def assistant(self, value: Any) -> Any:
        return _each_string(value, self._assistant_text)

    def _person_text(self, text: str) -> str:
        found = _personal(text, self._keep)
        for f in found:
            self._keys.add(f.key)
            self._given[text[f.start:f.end].lower()] = f.mark
        return _replace(text, [(f.start, f.end, f.mark) for f in found]) if found else text

    def _assistant_text(self, text: str) -> str:
        if not self._given:
            return text
        lower = text.lower()
        # Repeated as typed, even where the detectors would not find it in the reply's wording.
        spans = [(m.start(), m.end(), mark) for given, mark in self._given.items()
                 for m in re.finditer(re.escape(given), lower)]
        spans += [(f.start, f.end, f.mark) for f in find(text)
                  if f.key in self._keys or any(start < f.end and f.start < end for start, end, _ in spans)]
        return _replace(text, spans) if spans else text
