"""Contact details given in passing become a counselor request, read back before staff see them.

The finding of names, phone numbers (libphonenumber) and e-mails in a sentence, then whole
conversations with the running assistant.
"""
from __future__ import annotations

import pytest

from careerbot.contact import asks_when_contacted, contact_in_passing, parse_contact_detail
from careerbot.nlp import is_common_english_word
from careerbot.office import load_office
from tests.support.servers import buttons, texts


@pytest.mark.parametrize("typed, name, detail", [
    ("can someone call me back, I'm Ana Ruiz, 312 555 0147", "Ana Ruiz", "312-555-0147"),
    ("sure, it's Ana", "Ana", None),
    ("my name is maria lopez and my email is Maria.L@example.org", "Maria Lopez", "maria.l@example.org"),
    ("call me at +44 20 7946 0958, this is Priya", "Priya", "+44 20 7946 0958"),
    ("text me 773.555.0162 after 5", None, "773-555-0162"),
    ("soy Lupe, mi cel es 312 555 0147", "Lupe", "312-555-0147"),
    # Common words after "I'm" or "it's" are not names; ZIP codes and short numbers are not phones.
    ("i'm looking for a job near 62704", None, None), ("I am in Springfield", None, None),
    ("im so tired", None, None), ("call me at 555-0134", None, None),
    # A name beside the number, without "I'm"; numbers written with 00 or an unusual +44 range.
    ("have a counselor call me pls, Derek 217 555 0168", "Derek", "217-555-0168"),
    ("Luis Ortega, 217-555-0110", "Luis Ortega", "217-555-0110"),
    ("counselor pls, Jonas here, call me on 0049 151 23456789", "Jonas", "+49 1512 3456789"),
    ("my number is 217 555 0142 my names gloria, can a counselor call", "Gloria", "217-555-0142"),
    ("i want a person to ring me, im Oliver and my number is +44 7700 900123", "Oliver", "+44 7700 900123"),
    ("Springfield office, 217 555 0100", None, "217-555-0100"),
])
def test_contact_details_are_found_anywhere_in_a_sentence(typed, name, detail):
    found = contact_in_passing(typed, is_common_english_word)
    assert found.name == name
    assert (found.detail.value if found.detail else None) == detail


def test_a_phone_number_inside_an_answer_is_taken():
    assert parse_contact_detail("you can reach me at 919 555 0145 after 5pm").value == "919-555-0145"
    assert parse_contact_detail("+52 55 1234 5678").value == "+52 55 1234 5678"


def test_a_callback_request_with_name_and_number_is_read_back_and_recorded(chat, assistant):
    replies = chat("can someone call me back, I'm Ana Ruiz, 312 555 0147")
    assert "Ana Ruiz, 312-555-0147. Is that right?" in texts(replies)
    assert buttons(replies) == ["Yes, that's right", "No, let me fix it"]
    assert assistant.tracker(chat.sender)["slots"]["handoff_requested"] is False
    done = texts(chat("yes"))
    assert "Thank you, Ana Ruiz" in done and "312-555-0147" in done
    assert assistant.tracker(chat.sender)["slots"]["handoff_requested"] is True


def test_a_callback_request_asks_only_for_what_is_missing(chat):
    assert "What name should the counselor use" in texts(chat("can someone text me at 773 555 0162"))
    assert "Dana, 773-555-0162. Is that right?" in texts(chat("Dana"))


@pytest.mark.parametrize("typed, asks", [
    ("how long till they usually get back to people", True), ("when will someone call me", True),
    ("how soon will i hear back from a counselor", True),
    ("how long is the training program", False), ("when can i call them", False),
    ("what time do they close", False),
    ("cuando me van a llamar", True), ("en cuanto tiempo me contestan?", True),
    ("cuando los puedo llamar", False), ("cuando abren", False)])
def test_asking_when_a_counselor_will_be_in_touch_is_told_apart(typed, asks):
    assert asks_when_contacted(typed) is asks


def test_asking_when_they_will_call_is_answered_honestly_and_the_question_comes_back(chat):
    """No time is promised (nothing says one): the office's hours and phone, then the form's
    question again."""
    office = load_office()
    assert "What name should the counselor use" in texts(chat("can a counselor call me"))
    assert "What phone number" in texts(chat("Marisol"))
    replies = texts(chat("how soon do they usually get back to people"))
    assert office.hours in replies and office.phone in replies and "can't help" not in replies
    assert "What phone number" in replies
    assert "Marisol, 217-555-0177. Is that right?" in texts(chat("217 555 0177"))


@pytest.mark.parametrize("question", ["when will someone call me back", "cuando me van a llamar"])
def test_a_question_about_the_call_read_as_a_request_for_one_is_answered_too(chat, question):
    """Read as another request for a call back, the question once lost the form ("lost track")."""
    chat("can a counselor call me")
    assert "What phone number" in texts(chat("Marisol"))
    replies = texts(chat(question))
    assert load_office().phone in replies and "lost track" not in replies and "me perdí" not in replies
    assert "teléfono o correo" in replies or "What phone number" in replies


def test_no_to_the_read_back_asks_again_instead_of_cancelling(chat, assistant):
    chat("please have a counselor call me back, this is Sam, 217 555 0166")
    fixing = texts(chat("no"))
    # The number is asked again (what people most often mistype); the name is kept.
    assert "fix that" in fixing and "Thanks, Sam. What phone number" in fixing
    assert "Sam, 217-555-0199. Is that right?" in texts(chat("217-555-0199"))
    chat("yes")
    assert assistant.tracker(chat.sender)["slots"]["contact_detail"] == "217-555-0199"


def test_details_typed_in_answer_to_the_offer_are_kept(chat):
    chat("i want to talk to a counselor")
    asked = texts(chat("sure, it's Ana"))
    assert "What phone number or e-mail" in asked and "Ana" in asked
    assert "Ana, ana.r@example.org. Is that right?" in texts(chat("my email is ana.r@example.org"))


def test_a_phone_number_in_a_longer_answer_is_taken(chat):
    chat("i want to talk to a counselor")
    chat("yes")
    chat("Maria")
    assert "Maria, 919-555-0145. Is that right?" in texts(chat("you can reach me at 919 555 0145 after 5pm"))
