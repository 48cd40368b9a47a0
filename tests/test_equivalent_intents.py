"""Two intents with one answer, between which DIET splits its confidence, are one request."""
from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from components.equivalent_intents import EquivalentIntents


def parsed(*ranking):
    message = Message(data={"text": "can a counselor email me",
                            "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
                            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]})
    EquivalentIntents([["request_human", "request_callback"]]).process([message])
    return message


def test_a_split_between_a_person_and_a_call_back_is_a_confident_request():
    message = parsed(("request_callback", 0.5), ("request_human", 0.45), ("greet", 0.05))
    assert message.get("intent") == {"name": "request_callback", "confidence": 0.95}
    assert [r["name"] for r in message.get("intent_ranking")] == ["request_callback", "greet"]


def test_other_pairs_are_left_to_the_fallback_classifier():
    message = parsed(("request_callback", 0.5), ("greet", 0.45))
    assert message.get("intent") == {"name": "request_callback", "confidence": 0.5}
