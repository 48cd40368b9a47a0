"""Which language a row of HSDS 3.0's languages.csv names, however the directory writes it.

A row gives the language by ISO 639 code ("es", "spa", or a tag such as "es-MX"), by name
("Spanish", "Español", "spanish (Mexico)"), or both. language_key() turns either into one key:
the ISO 639-1 code for the languages the assistant speaks (careerbot.language.LANGUAGES), so
"spa" and "Español" are both "es"; for any other language its code as written (primary subtag,
lower case), or failing that its name, folded.

    language_key("spa", None)            -> "es"
    language_key(None, "Español")        -> "es"
    language_key("vi", "Vietnamese")     -> "vi"
"""
from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional, Tuple

from careerbot.text_input import fold_accents

# key -> (ISO 639-1, 639-2 and 639-3 codes, names in English and in the language itself, folded)
KNOWN: Dict[str, Tuple[FrozenSet[str], FrozenSet[str]]] = {
    "en": (frozenset({"en", "eng"}), frozenset({"english", "ingles"})),
    "es": (frozenset({"es", "spa"}), frozenset({"spanish", "espanol", "castellano",
                                                "castilian"})),
}

# ISO 639-1 (two letters) or 639-2/639-3 (three), optionally followed by BCP 47 subtags ("es-MX",
# "es_419", "zh-Hant") as many exports write them; the primary subtag is the language.
CODE_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


def check_code(value: str) -> None:
    """Raises ValueError unless `value` is an ISO 639 code (validate.py's "language_code")."""
    if not CODE_RE.match(value.strip()):
        raise ValueError(f"'{value}' is not an ISO 639 language code (such as es or spa); the "
                         "language's name goes in the name column")


def _primary_code(code: Optional[str]) -> Optional[str]:
    if not code or not CODE_RE.match(code.strip()):
        return None
    return re.split(r"[-_]", code.strip().lower())[0]


def _folded_name(name: Optional[str]) -> Optional[str]:
    """"Spanish (Mexico)" and "Spanish; Castilian" -> "spanish"; "Español" -> "espanol"."""
    if not name:
        return None
    first = re.split(r"[;,/]", re.sub(r"\(.*?\)", " ", name))[0]
    folded = " ".join(fold_accents(first).lower().split())
    return folded or None


def language_key(code: Optional[str], name: Optional[str]) -> Optional[str]:
    """The row's language as one key (see the module's docstring); None if it names none."""
    primary, folded = _primary_code(code), _folded_name(name)
    for key, (codes, names) in KNOWN.items():
        if primary in codes:
            return key
    if primary:
        return primary
    for key, (codes, names) in KNOWN.items():
        if folded in names:
            return key
    return folded
