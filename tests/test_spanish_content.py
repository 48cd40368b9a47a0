"""Every answer exists in Spanish, and the Spanish says no more than the English.

A Spanish speaker must never get an English reply, before or after a crisis, and the Spanish
must not carry a phone number, a link, a text line or a placeholder the English does not have
(tests/test_content_guard.py holds the English to the vetted content).
"""
from __future__ import annotations

import re
from typing import Dict, FrozenSet, List, Set, Tuple

import yaml

from careerbot.settings import PROJECT_ROOT

SPANISH = ("language", "es")
NUMBER_OR_LINK = re.compile(r"https?://[^\s)\"]+|\b\d{3,}\b|\b\d{3}-\d{3}-\d{4}\b")
PLACEHOLDER = re.compile(r"\{(\w+)\}")

Condition = FrozenSet[Tuple[str, object]]


def responses() -> Dict[str, List[dict]]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def condition(variation: dict) -> Condition:
    return frozenset((c["name"], c["value"]) for c in variation.get("condition") or ())


def by_language(variations: List[dict]) -> Tuple[Dict[Condition, dict], Dict[Condition, dict]]:
    """English variations and Spanish ones, each keyed by their conditions other than language."""
    english, spanish = {}, {}
    for variation in variations:
        conditions = condition(variation)
        if SPANISH in conditions:
            spanish.setdefault(conditions - {SPANISH}, variation)
        else:
            english.setdefault(conditions, variation)
    return english, spanish


def facts(text: str) -> Set[str]:
    return {m.rstrip(".,") for m in NUMBER_OR_LINK.findall(text)}


def test_every_english_variation_has_a_spanish_one_under_the_same_conditions():
    missing = [(name, sorted(conditions)) for name, variations in responses().items()
               for conditions in set(by_language(variations)[0]) - set(by_language(variations)[1])]
    assert not missing, missing


def test_spanish_says_no_number_link_or_placeholder_the_english_does_not():
    for name, variations in responses().items():
        english, spanish = by_language(variations)
        english_facts = set().union(*(facts(v.get("text", "")) for v in english.values()))
        english_slots = set().union(*(PLACEHOLDER.findall(v.get("text", "")) for v in english.values()))
        for conditions, variation in spanish.items():
            text = variation.get("text", "")
            assert facts(text) <= english_facts, (name, facts(text) - english_facts)
            assert set(PLACEHOLDER.findall(text)) <= english_slots, name


def test_spanish_buttons_do_what_the_english_ones_do():
    for name, variations in responses().items():
        english, spanish = by_language(variations)
        for conditions, variation in spanish.items():
            payloads = [b["payload"] for b in variation.get("buttons") or ()]
            assert payloads == [b["payload"] for b in english[conditions].get("buttons") or ()], name


def test_an_english_speaker_is_never_answered_in_spanish():
    """The Spanish variations are the only ones conditioned on language, and only on Spanish."""
    for name, variations in responses().items():
        for variation in variations:
            languages = {value for slot, value in condition(variation) if slot == "language"}
            assert languages <= {"es"}, name
