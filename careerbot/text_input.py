"""Limits and clean-up for what people send, shared by every channel."""
from __future__ import annotations

import re
import unicodedata

# Longer than any real chat message; keeps one message from tying up language understanding.
MAX_MESSAGE_CHARS = 5000
# The conversation database's sender_id column holds 255 characters.
MAX_SENDER_ID_CHARS = 255

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_message_text(text: str) -> str:
    """The text without control characters (line breaks and tabs stay)."""
    return _CONTROL_CHARACTERS.sub("", text).strip()


def fold_accents(text: str) -> str:
    """'mí', 'despedí' -> 'mi', 'despedi': people often type Spanish without accents."""
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")
