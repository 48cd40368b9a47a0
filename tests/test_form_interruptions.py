"""Every question every form asks, combined with every kind of interruption a person types.

The combinations are generated, not picked: for each question (QUESTIONS) and each interruption
(INTERRUPTIONS), a fresh conversation with the running assistant reaches the question, sends the
interruption, and checks what the person must see: a digression is answered and the question comes
back; a way out leaves the form and says so; a crisis or a request for a person comes first; an
answer inside a whole sentence is taken.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Tuple

import pytest

from careerbot.office import load_office
from tests.support.servers import texts

OFFICE = load_office()
CANT_HELP = "can't help"


@dataclass(frozen=True)
class Question:
    reach: Tuple[str, ...]  # what the person says to be asked it
    asked: str  # how the person recognises the question
    answer_in_a_sentence: str
    after_the_answer: str  # what shows the answer was taken
    stopped: str  # what the person is told on leaving


QUESTIONS: Dict[str, Question] = {
    "referral: what kind of help": Question(
        ("i need some local help",), "What kind of help",
        "i think i need help with childcare honestly", "ZIP code or city", "stopped the search"),
    "referral: where": Question(
        ("find a workforce center",), "ZIP code or city",
        "i live in springfield il 62704 if that helps", "near Springfield, IL", "stopped the search"),
    "counselor request: name": Question(
        ("i want to talk to a counselor", "yes"), "What name",
        "my name is Sam Lee by the way", "What phone number", "won't pass anything on"),
    "counselor request: phone or e-mail": Question(
        ("i want to talk to a counselor", "yes", "Sam"), "What phone number",
        "you can reach me at 217 555 0166 most days", "Is that right?", "won't pass anything on"),
    "counselor request: read back": Question(
        ("can someone call me back, i'm Sam Lee, 217 555 0166",), "Is that right?",
        "yes that's right", "Thank you, Sam Lee", "won't pass anything on"),
    "five steps": Question(
        ("how do i turn my job into a career",), "Step 1 of 5",
        "ok go on to the next one", "Step 2 of 5", "stop the steps"),
}

Check = Callable[[Question, str], None]


def digression(expected: str, out_of_scope: bool = False) -> Check:
    """Answered, then the question again; "can't help" only for what is out of scope."""
    def check(question: Question, answer: str) -> None:
        assert expected in answer
        assert question.asked in answer
        assert out_of_scope or CANT_HELP not in answer
    return check


def way_out(question: Question, answer: str) -> None:
    assert question.stopped in answer
    assert question.asked not in answer


def crisis(question: Question, answer: str) -> None:
    assert "988" in answer and "911" in answer
    assert question.asked not in answer


def a_person(question: Question, answer: str) -> None:
    assert OFFICE.phone in answer


INTERRUPTIONS: Dict[str, Tuple[str, Check]] = {
    "thanks": ("thanks!", digression("welcome")),
    "a career question": ("wait what is a career", digression("nurse practitioner")),
    "why it is asked": ("why do you need that?", digression("")),
    "a feeling": ("ugh i'm so stressed out", digression("sounds really hard")),
    "an unrelated question": ("what's the weather tomorrow", digression("", out_of_scope=True)),
    "never mind": ("never mind", way_out),
    "stop": ("stop", way_out),
    "start over": ("can we start over", way_out),
    "a person": ("can i talk to a real person", a_person),
    "a crisis": ("honestly i just want to die", crisis),
}


@pytest.mark.parametrize("interruption", sorted(INTERRUPTIONS))
@pytest.mark.parametrize("question_name", sorted(QUESTIONS))
def test_every_question_accepts_every_interruption(chat, question_name, interruption):
    question = QUESTIONS[question_name]
    for step in question.reach:
        replies = chat(step)
    assert question.asked in texts(replies)
    message, check = INTERRUPTIONS[interruption]
    check(question, texts(chat(message)))


@pytest.mark.parametrize("question_name", sorted(QUESTIONS))
def test_every_question_takes_its_answer_inside_a_whole_sentence(chat, question_name):
    question = QUESTIONS[question_name]
    for step in question.reach:
        chat(step)
    assert question.after_the_answer in texts(chat(question.answer_in_a_sentence))


@pytest.mark.parametrize("typed", ["cool", "never mind", "idk lol", "asdfgh jkl"])
def test_what_is_not_a_place_is_never_searched_as_one(chat, typed):
    chat("find a workforce center")
    answer = texts(chat(typed))
    assert "near " not in answer and "miles" not in answer
