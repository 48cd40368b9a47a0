"""The assistant never invents links, phone numbers or organisations: every address and number
in its responses is one the vetted content (or a national crisis line) names."""
from __future__ import annotations

import re

import yaml

from careerbot.settings import PROJECT_ROOT

OFFICIAL_ADDRESSES = {
    "https://www.mynextmove.org/explore/ip",  # O*NET Interest Profiler
    "https://www.mynextmove.org",  # My Next Move
    "https://www.onetonline.org",  # O*NET Online
    "https://www.indeed.com",  # Indeed
    "https://www.linkedin.com/jobs",  # LinkedIn Jobs
    "https://988lifeline.org/chat",  # 988 Suicide & Crisis Lifeline's chat
}
# The published national crisis services, and nothing else: 911, the 988 Lifeline, the National
# Domestic Violence Hotline; and the text lines: the Crisis Text Line (HOME to 741741) and the
# hotline's (START to 88788).
CRISIS_LINES = {"988", "911", "1-800-799-7233"}
CRISIS_TEXT_LINES = {"741741", "88788"}
# The ZIP code the location question gives as an example.
EXAMPLE_ZIP_CODES = {"62704"}
# 555-0100 to 555-0199 are reserved for fiction: safe as a format example.
FICTIONAL_NUMBER = re.compile(r"^\d{3}-555-01\d\d$")


def response_texts():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    for name, variations in domain["responses"].items():
        for variation in variations:
            yield name, variation.get("text", "")


def test_every_link_is_an_official_address_or_the_office_website():
    for name, text in response_texts():
        for url in re.findall(r"https?://[^\s)\"]+", text):
            assert url.rstrip(".,") in OFFICIAL_ADDRESSES, f"{name}: unvetted link {url}"


def test_every_phone_number_is_a_crisis_line_or_the_office():
    for name, text in response_texts():
        # Phone-shaped: 3-digit lines, 7-digit local and 10/11-digit numbers (not ZIP codes).
        for number in re.findall(r"\b(?:1-)?(?:\d{3}-)?\d{3}-\d{4}\b|\b\d{3}\b", text):
            assert number in CRISIS_LINES or FICTIONAL_NUMBER.match(number), \
                f"{name}: unvetted number {number}"


def test_every_text_line_is_a_national_crisis_text_line():
    for name, text in response_texts():
        for number in re.findall(r"\b\d{5,6}\b", text):
            assert number in CRISIS_TEXT_LINES | EXAMPLE_ZIP_CODES, f"{name}: unvetted number {number}"


def test_office_details_come_from_the_office_file_not_from_responses():
    office = yaml.safe_load((PROJECT_ROOT / "office.yml").read_text())
    for name, text in response_texts():
        for field in ("phone", "email", "address", "website"):
            assert office[field] not in text, f"{name} hard-codes the office {field}"
