"""Safety net for crisis messages: clear phrases are recognised by rule, never left to chance.

The NLU model classifies most crisis messages, but a model can miss. These patterns catch the
unmistakable ones (self-harm, suicide, immediate danger, violence at home) so that the person
always gets the crisis lines. They err on the side of answering: a false alarm costs a kind
message, a miss could cost a life.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

_SELF_HARM = [
    r"\bkill(ing)? ?my ?self\b",
    r"\bsuicid(e|al)\b",
    r"\b(end|ending|take|taking) (my|it) (own )?(life|all)\b",
    r"\bend(ing)? it all\b",
    r"\b(want|wanna|going|gonna|wish i (was|were)|ready) (to )?(die|be dead)\b",
    r"\bbetter off dead\b",
    r"\bdon'?t want to (live|be alive|be here anymore|exist|wake up)\b",
    r"\b(no|not any|see a|see any) (reason|point) (to|in|of) (keep |keep on )?(live|living|go on|going on|be alive)\b",
    r"\bcan'?t go on (anymore|any more|like this)\b",
    r"\b(hurt|hurting|harm|harming|cut|cutting) my ?self\b",
    r"\bself[- ]?harm",
    r"\boverdos(e|ing)\b",
    # Intent to take a whole supply of medication.
    r"\b(pills?|meds|medications?|tablets|sleeping pills)\b[^.?!]{0,40}\b(take|taking|swallow|"
    r"swallowing)\b[^.?!]{0,15}\b(all|the whole|every)\b",
]
_DANGER = [
    r"\b(i'?m|i am|i feel) (in danger|not safe|unsafe)\b",
    r"\b(going|gonna|threatened|threatening|trying) to (kill|hurt) me\b",
    r"\bsomeone (is|'s) (after|following|hurting) me\b",
]
_HOME_VIOLENCE = [
    r"\bdomestic (violence|abuse)\b",
    r"\b(husband|wife|boyfriend|girlfriend|partner|spouse|ex|dad|father|mom|mother|stepdad|"
    r"stepfather|stepmom|parent|parents|family|roommate)\b[^.?!]{0,20}\b(hits|hit|beats|beat|"
    r"hurts|hurt|abuses|abused|chokes|choked|threatens|threatened|kicks|kicked|slaps|slapped|"
    r"punches|punched|attacks|attacked)\b(?! (the|a) (job|goal|target))",
    r"\b(scared|afraid|too scared) to go home\b",
    r"\b(abused|beaten|hit|hurt) at home\b",
    r"\b(afraid|scared) of my (husband|wife|boyfriend|girlfriend|partner|spouse|ex)\b",
]


@dataclass(frozen=True)
class CrisisSignal:
    kind: str  # "self_harm", "danger" or "domestic_violence"


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text)


_COMPILED = [(kind, re.compile("|".join(f"(?:{p})" for p in patterns)))
             for kind, patterns in (("domestic_violence", _HOME_VIOLENCE),
                                    ("self_harm", _SELF_HARM), ("danger", _DANGER))]


def detect_crisis(text: Optional[str]) -> Optional[CrisisSignal]:
    """The crisis a message clearly expresses, or None. Violence at home is checked first so
    that the person also gets the domestic violence hotline."""
    if not text:
        return None
    normalised = _normalise(text)
    for kind, pattern in _COMPILED:
        if pattern.search(normalised):
            return CrisisSignal(kind)
    return None
