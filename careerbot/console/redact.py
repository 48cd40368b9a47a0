"""Redact e-mail addresses, phone numbers and street addresses from text the console shows.

Applied to lists, transcripts and exports unless an admin reveals one conversation. The patterns
err on the side of redacting: a counselor losing "12 Oak Lane" from a sentence costs little,
while showing a person's details to everyone who opens the console costs a lot.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Callable, FrozenSet, Optional

from careerbot.office import OfficeFileError, current_office

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"
ADDRESS_MARK = "[address]"

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# US numbers: optional +1/1, area code with or without parentheses, separators space/dot/dash or
# none, optional extension; and 7-digit local numbers written with a separator (555-0134).
PHONE = re.compile(
    r"""(?<![\w+])
        (?:
          (?:\+?1[\s.-]*)?(?:\(\s*\d{3}\s*\)|\d{3})[\s.-]*\d{3}[\s.-]*\d{4}
          |
          \d{3}[\s.-]\d{4}
        )
        (?:\s*(?:x|ext\.?|extension)\s*\d{1,5})?
        (?![\w])""",
    re.VERBOSE | re.IGNORECASE,
)

_STREET_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|"
    "terrace|ter|parkway|pkwy|highway|hwy|circle|cir|square|sq|trail|trl|alley|aly|row|"
    "crescent|cres|plaza|plz|loop|pike|route|rte"
)
# Words that never start a street name: they keep "I have 2 kids on Main St" from matching
# "2 kids on Main St" as an address.
_NOT_A_STREET_WORD = r"(?!(?:and|or|on|in|at|to|of|for|with|from|my|our|your|kids?|children|years?|" \
                     r"days?|hours?|jobs?|times?|blocks?|miles?|minutes?)\b)"
ADDRESS = re.compile(
    rf"""(?<![\w-])
        (?:
          \d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?                  # house number: 123, 12B, 45-10
          \s+(?:(?:n|s|e|w|ne|nw|se|sw|north|south|east|west)\.?\s+)?
          (?:{_NOT_A_STREET_WORD}[A-Za-z0-9][\w'.-]*\s+){{1,4}}   # street name: Main, Martin Luther King Jr
          (?:{_STREET_SUFFIXES})\b\.?
          (?:\s+(?:n|s|e|w|ne|nw|se|sw|north|south|east|west)\b\.?)?
          (?:\s*,?\s*(?:apt|apartment|suite|ste|unit|fl|floor|rm|room|\#)\.?\s*\#?\s*[A-Za-z0-9-]+)?
          |
          p\.?\s*o\.?\s+box\s+\d+                              # P.O. Box 123
        )""",
    re.VERBOSE | re.IGNORECASE,
)


@functools.lru_cache(maxsize=1)
def office_details() -> FrozenSet[str]:
    """The office's own phone, e-mail and address: public, and in many of the bot's replies."""
    try:
        office = current_office()
    except OfficeFileError:
        return frozenset()
    return frozenset(value.lower() for value in (office.phone, office.email, office.address) if value)


def _mark(mark: str, keep: FrozenSet[str]) -> Callable[[re.Match], str]:
    def replace(match: re.Match) -> str:
        found = match.group(0).lower()
        return match.group(0) if any(found in public for public in keep) else mark
    return replace


def redact(text: str, keep: Optional[FrozenSet[str]] = None) -> str:
    """`text` with e-mail addresses, phone numbers and street addresses replaced by marks.

    Details found inside one of `keep` (lower-case; default: the office's own contact details)
    are left as they are.
    """
    if not text:
        return text
    keep = office_details() if keep is None else keep
    text = EMAIL.sub(_mark(EMAIL_MARK, keep), text)
    text = ADDRESS.sub(_mark(ADDRESS_MARK, keep), text)
    return PHONE.sub(_mark(PHONE_MARK, keep), text)


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value (slot values, entities, button titles)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    return value
