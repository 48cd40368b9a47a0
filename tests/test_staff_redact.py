"""Redaction of e-mail addresses, phone numbers, social security numbers and street addresses in
what the console shows.

tests/fixtures/pii/ holds messages as visitors type them: personal.jsonl, each with the detail that
must vanish; lookalikes.jsonl, numbers and words that must stay (ZIP codes, times, prices, years,
counts, websites) and the assistant's replies listing services with their public numbers.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from careerbot.console.redact import (
    ADDRESS_MARK, EMAIL_MARK, PHONE_MARK, SSN_MARK, ConversationRedactor, office_details, redact,
)
from careerbot.office import current_office

CORPUS = Path(__file__).resolve().parent / "fixtures" / "pii"
MARKS = {"phone": PHONE_MARK, "email": EMAIL_MARK, "ssn": SSN_MARK, "address": ADDRESS_MARK}


def _corpus(name: str) -> list:
    entries = [json.loads(line) for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if line]
    assert len(entries) >= 200, name
    return entries


PERSONAL = _corpus("personal.jsonl")
LOOKALIKES = _corpus("lookalikes.jsonl")
# What a person wrote before the assistant's reply in the look-alike cases: details of their own,
# none of which is in a listing.
EARLIER_MESSAGE = "I need job help near 62701, reach me at 312-555-0147 or jo.k@gmail.com"


def _left_over(entry: dict, redacted: str) -> list:
    """Pieces of the detail (digit groups, words of three characters or more) still readable,
    unless the message has them elsewhere too ("my gmail is ...@gmail.com")."""
    elsewhere = entry["text"].replace(entry["secret"], " ").lower()
    pieces = [p for p in re.findall(r"\w+", entry["secret"]) if len(p) >= 3 and p.lower() not in elsewhere]
    return [p for p in pieces if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", redacted, re.IGNORECASE)]


@pytest.mark.parametrize("entry", PERSONAL, ids=lambda e: f"{e['kind']}: {e['text']}")
def test_every_personal_detail_of_the_corpus_is_redacted(entry):
    redacted = redact(entry["text"])
    assert MARKS[entry["kind"]] in redacted, redacted
    assert _left_over(entry, redacted) == [], redacted


@pytest.mark.parametrize("entry", LOOKALIKES, ids=lambda e: f"{e['speaker']} {e['what']}: {e['text'][:60]}")
def test_numbers_and_words_that_only_look_personal_stay(entry):
    if entry["speaker"] == "person":
        assert redact(entry["text"]) == entry["text"]
    else:
        conversation = ConversationRedactor()
        conversation.person(EARLIER_MESSAGE)
        assert conversation.assistant(entry["text"]) == entry["text"]


def test_a_pasted_wall_of_text_loses_its_details_and_keeps_the_rest():
    # Long runs of what the detectors look for (digits, dots, "@", " at ") around real details:
    # the kind of input that sends a backtracking pattern into minutes. How long it takes is
    # measured by bench/bench_redaction.py.
    start, middle, end = "1 " * 1500, "a.b" * 1000, "@ jane at " * 300
    wall = f"{start}call me at 217-555-0134 {middle} or jo@example.com {end}"
    assert redact(wall) == f"{start}call me at {PHONE_MARK} {middle} or {EMAIL_MARK} {end}"


@pytest.mark.parametrize("text, secret", [
    ("write to jane.doe@example.com please", "jane.doe@example.com"),
    ("JANE_DOE+jobs@Mail.Example.co.uk", "JANE_DOE+jobs@Mail.Example.co.uk"),
    ("my email:bob-smith99@gmail.com.", "bob-smith99@gmail.com"),
    ("o'neil@example.org is mine", "o'neil@example.org"),
])
def test_email_addresses_are_redacted(text, secret):
    redacted = redact(text)
    assert secret not in redacted
    assert EMAIL_MARK in redacted


@pytest.mark.parametrize("text, secret", [
    ("call 555-0134", "555-0134"),
    ("call 555.0134 after 5", "555.0134"),
    ("(217) 555-0134", "555-0134"),
    ("(217)555-0134", "555-0134"),
    ("+1 217 555 0134", "217 555 0134"),
    ("+1-217-555-0134", "217-555-0134"),
    ("+12175550134", "2175550134"),
    ("1 (217) 555-0134", "555-0134"),
    ("217-555-0134", "217-555-0134"),
    ("217.555.0134", "217.555.0134"),
    ("2175550134", "2175550134"),
    ("my cell is 217 555 0134, text me", "217 555 0134"),
    ("office 800-555-0199 ext. 12", "800-555-0199"),
    ("office 800-555-0199 x12", "x12"),
])
def test_us_phone_numbers_are_redacted(text, secret):
    redacted = redact(text)
    assert secret not in redacted
    assert PHONE_MARK in redacted


@pytest.mark.parametrize("text, secret", [
    ("I live at 123 Main St", "123 Main St"),
    ("123 Main St. Springfield", "123 Main St"),
    ("45 Oak Avenue Apt 2", "45 Oak Avenue Apt 2"),
    ("45 Oak Avenue, Apt. 2B, Springfield IL", "Apt. 2B"),
    ("12 N. Elm Street #4", "Elm Street #4"),
    ("1600 Pennsylvania Avenue NW", "Pennsylvania Avenue"),
    ("350 5th Ave Suite 300", "5th Ave Suite 300"),
    ("9 martin luther king jr blvd", "luther king"),
    ("77 West Lake Rd", "Lake Rd"),
    ("4021 Maple Drive, Unit 7", "Maple Drive, Unit 7"),
    ("send it to P.O. Box 42", "Box 42"),
    ("12B Cherry Ln", "12B Cherry Ln"),
])
def test_street_addresses_are_redacted(text, secret):
    redacted = redact(text)
    assert secret not in redacted
    assert ADDRESS_MARK in redacted


@pytest.mark.parametrize("text", [
    "I have 2 kids and no car",
    "I have 2 kids on Main St",  # "2 kids on ..." is not an address
    "I worked 40 hours a week for 3 years",
    "my zip is 62701",
    "zip 62701-1234",
    "I was born 1990-05-12",
    "it costs $1,200 a month",
    "the 5 key differences between a job and a career",
    "call 988",
    "I am 19 years old",
])
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text


def test_several_details_in_one_message_are_all_redacted():
    text = "I'm Jo, 217-555-0134 or jo@example.com, 45 Oak Avenue Apt 2, Springfield, ssn 457-55-5462"
    redacted = redact(text)
    assert redacted == f"I'm Jo, {PHONE_MARK} or {EMAIL_MARK}, {ADDRESS_MARK}, Springfield, ssn {SSN_MARK}"


def test_the_offices_own_contact_details_stay_readable():
    office = current_office()  # office.yml: the bot repeats these to people, they are public
    reply = (f"Reach us at {office.phone} or {office.email}, {office.address}. "
             f"I'll call you at 217-555-0134 or write to jo@example.com at 45 Oak Avenue, thanks")
    redacted = redact(reply)
    assert office.phone in redacted and office.email in redacted and office.address in redacted
    assert redacted.endswith(f"I'll call you at {PHONE_MARK} or write to {EMAIL_MARK} at {ADDRESS_MARK}, thanks")
    assert office.phone.lower() in office_details()
    assert redact(f"call {office.phone}", keep=frozenset()) == f"call {PHONE_MARK}"


def test_nested_values_are_redacted():
    value = {"name": "Jo", "contact": ["jo@example.com", {"phone": "555-0134"}], "count": 3, "ok": True}
    assert ConversationRedactor().person(value) == {"name": "Jo", "contact": [EMAIL_MARK, {"phone": PHONE_MARK}],
                                                    "count": 3, "ok": True}


def test_the_assistant_reading_back_a_detail_is_redacted_and_its_listings_are_not():
    conversation = ConversationRedactor()
    assert conversation.person("can someone call me back, I'm Ana Ruiz, 312 555 0147") == \
        f"can someone call me back, I'm Ana Ruiz, {PHONE_MARK}"
    assert conversation.person("I live at 1234 Elm, write to ana dot ruiz at gmail dot com") == \
        f"I live at {ADDRESS_MARK}, write to {EMAIL_MARK}"
    # Read back in another format, and repeated where nothing says it is an address.
    assert conversation.assistant("Ana Ruiz, 312-555-0147. Is that right?") == f"Ana Ruiz, {PHONE_MARK}. Is that right?"
    assert conversation.assistant("I'll write to ana.ruiz@gmail.com.") == f"I'll write to {EMAIL_MARK}."
    assert conversation.assistant("I don't know a place called 1234 elm.") == \
        f"I don't know a place called {ADDRESS_MARK}."
    listing = ("Prairie Workforce Center — Job search help\n101 Sample Way, Springfield, IL 62701 · 1.2 miles\n"
               "217-555-0101 · Mon–Fri 8 am–4:30 pm (open now)")
    assert conversation.assistant(listing) == listing
    # What the person typed is theirs even when it is a listed service's number.
    assert conversation.person("is 217-555-0101 the right number?") == f"is {PHONE_MARK} the right number?"


local_part = st.from_regex(r"[a-z0-9]([a-z0-9._+-]{0,15}[a-z0-9])?", fullmatch=True)
domain = st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,2}\.[a-z]{2,6}", fullmatch=True)
digits = st.text("0123456789", min_size=1, max_size=1)


@settings(max_examples=200, deadline=None)
@given(local=local_part, host=domain, before=st.sampled_from(["", "mail me at ", "email: "]),
       after=st.sampled_from(["", " thanks", ". bye", ", ok"]))
def test_any_plain_email_address_is_redacted(local, host, before, after):
    address = f"{local}@{host}"
    assert address not in redact(before + address + after)


@settings(max_examples=200, deadline=None)
@given(number=st.tuples(st.integers(200, 999), st.integers(200, 999), st.integers(0, 9999)),
       style=st.sampled_from(["{a}-{b}-{c}", "({a}) {b}-{c}", "+1 {a} {b} {c}", "{a}.{b}.{c}", "{a}{b}{c}",
                              "1-{a}-{b}-{c}", "{b}-{c}"]),
       before=st.sampled_from(["", "call ", "my number is ", "text me at "]),
       after=st.sampled_from(["", " anytime", ".", ", thanks"]))
def test_any_us_phone_format_is_redacted(number, style, before, after):
    a, b, c = number
    phone = style.format(a=a, b=b, c=f"{c:04d}")
    redacted = redact(before + phone + after)
    assert f"{c:04d}" not in redacted.replace(PHONE_MARK, "")
    assert PHONE_MARK in redacted
