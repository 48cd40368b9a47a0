"""The production topology (tests/support/production.py) under faults, with a load running.

Every test counts what matters to staff: each message a client had answered is stored in
PostgreSQL exactly once, and no one is left without a reply. The figures are written to
results/resilience.json for the report. (`production` is the session fixture in conftest.py.)
"""
from __future__ import annotations

import json
import threading
import time
import uuid

import pytest

from careerbot.settings import PROJECT_ROOT
from tests.support.load import ConversationLoad, send_message
from tests.support.servers import rest_conversation

UNAVAILABLE = "can't look that up right now"
FIGURES: dict = {}


@pytest.fixture(scope="module", autouse=True)
def figures_file():
    yield
    out = PROJECT_ROOT / "results" / "resilience.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(FIGURES, indent=2), encoding="utf-8")


def texts(replies) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def assert_nothing_lost(production, load: ConversationLoad, fault: str) -> None:
    result = load.result
    stored = production.user_messages(load.senders[0][:-1])
    FIGURES[fault] = {"messages_answered": result.messages, "user_messages_stored": len(stored),
                      "resent_after_503": result.resent_after_503,
                      "empty_replies": result.empty_replies, "errors": result.errors}
    assert result.errors == []
    assert result.empty_replies == 0
    assert result.messages > 0
    for sender in load.senders:
        assert sum(1 for s, _ in stored if s == sender) == result.acknowledged[sender], sender


def test_one_conversation_through_two_instances_at_once_keeps_every_turn_in_order(production):
    sender = "twin-" + uuid.uuid4().hex[:8]
    questions = ["what is a job", "what is a career"]
    answers = {"what is a job": "cashier", "what is a career": "nurse practitioner"}
    failures = []

    def drive(instance: int) -> None:
        for _ in range(6):
            status, replies = send_message(production.rasa_urls[instance], sender, questions[instance],
                                           headers=production.rest_headers)
            if status != 200 or answers[questions[instance]] not in texts(replies):
                failures.append((instance, status, replies))

    threads = [threading.Thread(target=drive, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    events = production.postgres.query(
        "SELECT type_name, data::json->>'text' FROM events WHERE sender_id = %s ORDER BY id",
        rest_conversation(sender))
    turns = []  # each user message with the bot texts before the next user message
    for type_name, text in events:
        if type_name == "user":
            turns.append((text, []))
        elif type_name == "bot" and turns:
            turns[-1][1].append(text)
    assert sorted(text for text, _ in turns) == sorted(questions * 6)
    for question, bot_texts in turns:
        assert any(answers[question] in text for text in bot_texts), (question, bot_texts)
        wrong = answers[questions[1 - questions.index(question)]]
        assert not any(wrong in text for text in bot_texts), (question, bot_texts)
    FIGURES["two instances, one conversation"] = {"messages_sent": 12, "turns_stored": len(turns)}


def test_action_server_down_tells_the_person_then_recovers(production):
    sender = "actions-" + uuid.uuid4().hex[:8]
    with ConversationLoad(production.public_url, "load-actions-",
                          headers=production.rest_headers) as load:
        time.sleep(2)
        for name in production.names("actions"):
            production.servers[name].stop()
        status, replies = send_message(production.public_url, sender, "find a job center near 62704",
                                       headers=production.rest_headers)
        assert status == 200
        assert texts(replies).count(UNAVAILABLE) == 1
        assert "217-555-0100" in texts(replies)  # the office's phone, from office.yml
        status, replies = send_message(production.public_url, sender, "what is a career",
                                       headers=production.rest_headers)
        assert "nurse practitioner" in texts(replies)  # the conversation goes on
        for name in production.names("actions"):
            production.start(name)
        status, replies = send_message(production.public_url, sender, "find a job center near 62704",
                                       headers=production.rest_headers)
        assert "Sample Prairie Workforce Center" in texts(replies)
        assert UNAVAILABLE not in texts(replies)
        time.sleep(1)
    assert_nothing_lost(production, load, "action servers killed and restarted")


def test_postgres_restart_under_load_loses_no_turn(production):
    with ConversationLoad(production.public_url, "load-postgres-",
                          headers=production.rest_headers) as load:
        time.sleep(3)
        answered_before = load.result.messages
        production.postgres.restart()
        time.sleep(4)
    assert load.result.messages > answered_before  # the load went on through the restart
    assert_nothing_lost(production, load, "PostgreSQL restarted")
    # The directory lives in PostgreSQL too: each action server's first search after the restart
    # finds its pooled connections dead, and must still answer.
    for attempt in range(len(production.names("actions"))):
        status, replies = send_message(production.public_url, f"directory-after-restart-{attempt}",
                                       "find a job center near 62704", headers=production.rest_headers)
        assert "Sample Prairie Workforce Center" in texts(replies), texts(replies)


def test_a_restarted_instance_resumes_the_conversation_with_its_slots(production):
    sender = "resume-" + uuid.uuid4().hex[:8]
    instance = production.rasa_urls[0]
    status, replies = send_message(instance, sender, "I need a job center", headers=production.rest_headers)
    assert status == 200 and "ZIP" in texts(replies)  # the referral form asks where
    with ConversationLoad(production.public_url, "load-restart-",
                          headers=production.rest_headers) as load:
        production.restart("Rasa instance 1")
    status, replies = send_message(instance, sender, "62704", headers=production.rest_headers)
    # The form and its resource type came back from PostgreSQL: job centers near 62704.
    assert "Workforce centers (American Job Centers) near Springfield, IL 62704" in texts(replies)
    assert_nothing_lost(production, load, "Rasa instance restarted")


def test_redis_unavailable_refuses_turns_clearly_and_recovers(production):
    sender = "redis-" + uuid.uuid4().hex[:8]
    with ConversationLoad(production.public_url, "load-redis-",
                          headers=production.rest_headers) as load:
        time.sleep(2)
        production.redis.stop()
        status, body = send_message(production.public_url, sender, "what is a career",
                                    headers=production.rest_headers)
        assert status == 503
        assert "send it again" in body["error"]
        assert production.user_messages(sender) == []  # refused, not half-processed
        time.sleep(2)
        production.redis.start()
        status, replies = send_message(production.public_url, sender, "what is a career",
                                       headers=production.rest_headers)
        assert status == 200 and "nurse practitioner" in texts(replies)
        time.sleep(2)
    assert production.user_messages(sender) == [(sender, "what is a career")]
    assert load.result.resent_after_503 > 0
    assert_nothing_lost(production, load, "Redis stopped and restarted")
