"""How typed text is prepared for libphonenumber, the same for the assistant taking a number
(careerbot/contact.py) and the staff console hiding numbers (careerbot/console/redact.py).

Its own module because careerbot/contact.py imports spaCy, which the web app keeps out.
"""
from __future__ import annotations

import re

# Numbers without a country code are read as dialled in the US.
HOME_REGION = "US"

# "0049 151 23456789" as written in Europe: there "00" is what "+" is to libphonenumber. Only a
# number's first digits: not the "00" of 217-555-0010, which follows a digit group.
_INTERNATIONAL_PREFIX = re.compile(r"(?<![\d+])(?<!\d[ .()/_-])00(?=[1-9])")


def international_prefix_as_plus(text: str) -> str:
    """The text with a leading "00" written " +", same length, so that where libphonenumber finds
    a number in it is where the number is in the text as typed."""
    return _INTERNATIONAL_PREFIX.sub(" +", text)
