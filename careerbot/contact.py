"""Validation of the contact details a person leaves for a counselor (name, phone or e-mail)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_NAME_PREFIX = re.compile(r"^(my name is|my name's|name is|i am|i'm|im|it's|its|this is|call me)\s+",
                          re.IGNORECASE)
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$")
_QUESTION_WORDS = {"what", "how", "where", "why", "when", "who", "can", "could", "do", "does",
                   "is", "are", "should", "will", "would"}
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_DETAIL_PREFIX = re.compile(
    r"^(my (phone|number|cell|email|e-mail)( number| address)? is|you can (reach|email|call|text) "
    r"me at|reach me at|call me at|text me at|email me at|it's|its|at)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class ContactDetail:
    kind: str  # "phone" or "email"
    value: str


def clean_name(text: Optional[str]) -> Optional[str]:
    """A person's name from what they typed ("my name is Maria Lopez" -> "Maria Lopez")."""
    if not text:
        return None
    name = _NAME_PREFIX.sub("", " ".join(text.split())).strip(" .!,")
    words = name.split()
    if not words or len(words) > 5 or len(name) > 60 or words[0].lower() in _QUESTION_WORDS:
        return None
    if not _NAME.match(name):
        return None
    return " ".join(w[:1].upper() + w[1:] if w.islower() else w for w in words)


def parse_contact_detail(text: Optional[str]) -> Optional[ContactDetail]:
    """A US phone number or an e-mail address, normalised, or None if it is neither."""
    if not text:
        return None
    detail = _DETAIL_PREFIX.sub("", " ".join(text.split())).strip(" .!,")
    if _EMAIL.match(detail):
        return ContactDetail("email", detail.lower())
    if re.fullmatch(r"[\d\s().+\-]+", detail):
        digits = re.sub(r"\D", "", detail)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        # NANP: area code and exchange cannot start with 0 or 1.
        if len(digits) == 10 and digits[0] not in "01" and digits[3] not in "01":
            return ContactDetail("phone", f"{digits[:3]}-{digits[3:6]}-{digits[6:]}")
    return None
