"""The language of each conversation as the console shows, filters and counts it, and the labels
staff read for each language: the one place they are written.

A conversation's language is the last value of its `language` slot (careerbot/language.py sets it
from each message written in English or Spanish); until it is set, the assistant answers in
English, and so the conversation is English. The summary sync keeps the last value in
`console_conversations.language`, NULL while the slot was never set.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Tuple

from careerbot.language import DEFAULT_LANGUAGE, LANGUAGES

# The slot the assistant keeps the conversation's language in (domain.yml).
LANGUAGE_SLOT = "language"


@dataclass(frozen=True)
class LanguageLabel:
    code: str      # "es", as in the slot and in the console's URLs
    name: str      # in English, for staff: filter menus, analytics
    autonym: str   # as its speakers write it, shown with lang="<code>" beside conversations


_LABELS = (
    LanguageLabel("en", "English", "English"),
    LanguageLabel("es", "Spanish", "Español"),
)
LABELS: Dict[str, LanguageLabel] = {label.code: label for label in _LABELS}
if tuple(LABELS) != tuple(LANGUAGES):  # a language added to the assistant needs its labels here
    raise RuntimeError(f"careerbot/console/languages.py labels {tuple(LABELS)}, not the assistant's "
                       f"languages {tuple(LANGUAGES)}")
# Codes go into SQL as literals (below): keep them plain letters.
if not all(re.fullmatch(r"[a-z]{2,3}", code) for code in LANGUAGES):
    raise RuntimeError(f"unexpected language codes {LANGUAGES}")


def labels() -> Tuple[LanguageLabel, ...]:
    """Every language, in careerbot.language.LANGUAGES order."""
    return tuple(LABELS[code] for code in LANGUAGES)


def label(code: object) -> LanguageLabel:
    """The labels of a language code; English for anything else, as the assistant answers."""
    return LABELS[spoken(code)]


def spoken(slot_value: object) -> str:
    """The language a `language` slot value means: itself when it is one of the assistant's
    languages, English otherwise (unset, or a value the assistant does not answer in), as
    actions/tracker_reading.py reads it."""
    return slot_value if isinstance(slot_value, str) and slot_value in LANGUAGES else DEFAULT_LANGUAGE


def sql(alias: str = "c") -> str:
    """SQL for the language of console_conversations `alias`: English when never set."""
    return f"COALESCE({alias}.language, '{DEFAULT_LANGUAGE}')"


def sql_condition(alias: str, code: str) -> str:
    """SQL condition "`alias` is in language `code`" (bound as :language), written so that the
    index on (language, last_time) serves it."""
    if code == DEFAULT_LANGUAGE:
        return f"({alias}.language = :language OR {alias}.language IS NULL)"
    return f"{alias}.language = :language"
