"""Per-client rate limits on the chat channels (careerbot/rate_limit.py, connectors/socketio.py,
connectors/rest.py).

One widget socket once sent 150 messages in 1.3 s, and everyone's answers waited behind them.
Against the real Rasa server: a socket that floods gets most of its messages refused, each with a
note asking it to slow down (none is dropped silently), while other people's conversations are
answered; a REST client that floods gets 429 with Retry-After; a client that waits for each
answer is never limited, however fast it goes. The limiter itself is checked with its clock
replaced. The session-wide assistant runs with this test process's environment, so its limits
are channel_rate_limit()'s defaults.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple
from urllib.parse import urlsplit

import pytest
from rasa.shared.exceptions import InvalidConfigException

from careerbot.rate_limit import SLOW_DOWN_NOTE, RateLimiter
from careerbot.settings import ChannelRateLimit, SettingsError, allowed_origins, channel_rate_limit
from connectors.rest import RestInput
from connectors.socketio import WidgetSocketIOInput
from tests.support.servers import rest_conversation, texts, widget_conversation
from tests.support.widget_socket import WidgetSocket

LIMIT = channel_rate_limit()
FLOOD = 40  # messages sent at once, well over the burst
# A flooding client has the message in progress and `burst` more handled at once; the bucket may
# refill by a token or two while the flood arrives on a busy machine.
MOST_HANDLED_OF_A_FLOOD = 1 + LIMIT.burst + 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------- The limiter, on its own clock ----------


def test_a_client_that_waits_for_each_answer_is_never_limited():
    limiter = RateLimiter(per_minute=60, burst=10, clock=Clock())
    for _ in range(1000):  # all at the same instant
        assert limiter.admit("load test") == 0.0
        limiter.finished("load test")


def test_messages_sent_before_the_answer_get_a_burst_then_one_a_second():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=10, clock=clock)
    assert [limiter.admit("flood") for _ in range(11)] == [0.0] * 11  # one in progress, ten more
    assert limiter.admit("flood") == pytest.approx(1.0)  # the wait until the next token
    clock.now += 0.25
    assert limiter.admit("flood") == pytest.approx(0.75)
    clock.now += 0.75
    assert limiter.admit("flood") == 0.0
    assert limiter.admit("flood") == pytest.approx(1.0)
    # Every message answered, and the bucket full again after burst / rate seconds.
    for _ in range(12):
        limiter.finished("flood")
    clock.now += 10
    assert [limiter.admit("flood") for _ in range(11)] == [0.0] * 11


def test_one_clients_flood_leaves_the_others_alone():
    limiter = RateLimiter(per_minute=60, burst=3, clock=Clock())
    while limiter.admit("flood") == 0.0:
        pass
    assert limiter.admit("someone else") == 0.0
    assert limiter.admit("someone else") == 0.0  # sent before the first was answered: a token


def test_idle_clients_are_forgotten_and_memory_stays_bounded():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=10, clock=clock)
    for number in range(100):
        limiter.admit(number)
        limiter.admit(number)  # sent before the first was answered: a token
        limiter.finished(number)
        limiter.finished(number)
    limiter.admit("in progress")
    assert len(limiter._clients) == 101  # their buckets are not full yet
    clock.now += 1  # now they are, and nothing of theirs is in progress
    limiter.admit("a second later")
    assert list(limiter._clients) == ["in progress", "a second later"]

    # However busy, no more than max_clients are remembered: the ones seen longest ago go first.
    limiter = RateLimiter(per_minute=60, burst=10, clock=clock, max_clients=100)
    for number in range(150):
        limiter.admit(number)
    assert list(limiter._clients) == list(range(50, 150))
    limiter.finished(0)  # the answer to a forgotten client's message changes nothing
    assert limiter.admit(0) == 0.0  # it starts again with a full bucket


# ---------- Settings ----------


def test_the_limits_come_from_the_environment():
    assert channel_rate_limit({}) == ChannelRateLimit(per_minute=60.0, burst=10)
    assert channel_rate_limit({"CHANNEL_RATE_PER_MINUTE": "30", "CHANNEL_RATE_BURST": "4"}) == \
        ChannelRateLimit(per_minute=30.0, burst=4)


@pytest.mark.parametrize("name, value", [("CHANNEL_RATE_PER_MINUTE", "fast"),
                                         ("CHANNEL_RATE_PER_MINUTE", "0"),
                                         ("CHANNEL_RATE_PER_MINUTE", "-5"),
                                         ("CHANNEL_RATE_BURST", "2.5"),
                                         ("CHANNEL_RATE_BURST", "0")])
def test_a_wrong_limit_stops_both_channels_from_starting_and_names_the_variable(monkeypatch, name, value):
    with pytest.raises(SettingsError, match=f"{name} '{value}' must be"):
        channel_rate_limit({name: value})
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("WIDGET_SESSION_SECRET", "s" * 32)
    with pytest.raises(InvalidConfigException, match=f"Website widget channel: {name}"):
        WidgetSocketIOInput.from_credentials({}).blueprint(lambda message: None)
    with pytest.raises(InvalidConfigException, match=f"REST channel: {name}"):
        RestInput.from_credentials({})


# ---------- The widget's socket.io channel ----------


def stored_user_messages(assistant, conversation: str) -> int:
    with sqlite3.connect(assistant.data_dir / "conversations.db") as database:
        [(count,)] = database.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? "
                                      "AND type_name = 'user'", (conversation,))
    return count


def test_a_flooding_socket_is_told_to_slow_down_and_everyone_else_is_answered(assistant):
    origin = allowed_origins()[0]

    async def flood_and_visit():
        flooder = await WidgetSocket.connect(assistant.url, origin)
        visitor = await WidgetSocket.connect(assistant.url, origin)
        try:
            flooding_session = await flooder.start_session(None)
            visiting_session = await visitor.start_session(None)
            for number in range(FLOOD):
                await flooder.emit("user_uttered", {"message": f"flood {number}"})
            visitor_replies = await visitor.say("hi")
            flooder_replies = await flooder.more_replies(wait=5)  # every turn it was allowed is over
            handled = stored_user_messages(assistant, widget_conversation(flooding_session))
            resent = await flooder.say("what is a career")
            return visiting_session, visitor_replies, flooder_replies, handled, resent
        finally:
            await flooder.close()
            await visitor.close()

    visiting_session, visitor_replies, flooder_replies, handled, resent = asyncio.run(flood_and_visit())
    assert texts(visitor_replies).startswith("Hi!")
    assert SLOW_DOWN_NOTE not in texts(visitor_replies)
    notes = [reply for reply in flooder_replies if reply.get("text") == SLOW_DOWN_NOTE]
    assert handled + len(notes) == FLOOD  # each message handled, or its sender told
    assert handled <= MOST_HANDLED_OF_A_FLOOD
    # Once the answers are in, a message sent again is handled.
    assert "nurse practitioner" in texts(resent)
    assert stored_user_messages(assistant, widget_conversation(visiting_session)) == 1


def test_a_person_typing_a_few_messages_in_a_row_is_not_limited(assistant):
    async def type_quickly():
        socket = await WidgetSocket.connect(assistant.url, allowed_origins()[0])
        try:
            session_id = await socket.start_session(None)
            for text in ("hi", "I'm looking for work", "what is a career"):
                await socket.emit("user_uttered", {"message": text})
            return session_id, await socket.more_replies(wait=3)
        finally:
            await socket.close()

    session_id, replies = asyncio.run(type_quickly())
    assert SLOW_DOWN_NOTE not in texts(replies)
    assert "nurse practitioner" in texts(replies)
    assert stored_user_messages(assistant, widget_conversation(session_id)) == 3


# ---------- The REST channel ----------


def post(server_url: str, sender: str, text: str, address: str = "127.0.0.1") -> Tuple[int, dict, object]:
    """A message to the REST channel from a client at `address` (all of 127.0.0.0/8 is
    loopback): (status, headers, parsed body)."""
    server = urlsplit(server_url)
    connection = http.client.HTTPConnection(server.hostname, server.port, timeout=60,
                                            source_address=(address, 0))
    try:
        connection.request("POST", "/webhooks/rest/webhook",
                           json.dumps({"sender": sender, "message": text}),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, dict(response.headers), json.loads(response.read())
    finally:
        connection.close()


def flood(server_url: str, sender: str, address: str) -> List[Tuple[int, dict, object]]:
    """FLOOD messages from one sender, all sent at the same moment, each on its own connection."""
    start = threading.Barrier(FLOOD)

    def send(number: int):
        start.wait()
        return post(server_url, sender, f"flood {number}", address)

    with ThreadPoolExecutor(max_workers=FLOOD) as pool:
        return list(pool.map(send, range(FLOOD)))


def test_a_rest_flood_gets_429_with_retry_after_and_other_senders_are_answered(assistant):
    sender = f"flood-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(max_workers=1) as pool:
        flooding = pool.submit(flood, assistant.url, sender, "127.0.0.41")
        others = [post(assistant.url, f"other-{uuid.uuid4().hex[:8]}", "what is a career")
                  for _ in range(3)]
        answers = flooding.result()

    assert [status for status, _, _ in others] == [200] * 3
    assert all("nurse practitioner" in texts(replies) for _, _, replies in others)
    refused = [(headers, body) for status, headers, body in answers if status == 429]
    handled = [status for status, _, _ in answers if status == 200]
    assert len(handled) + len(refused) == FLOOD
    assert len(handled) <= MOST_HANDLED_OF_A_FLOOD
    assert refused, "no message of the flood was refused"
    for headers, body in refused:
        assert body == {"error": SLOW_DOWN_NOTE}
        assert 1 <= int(headers["Retry-After"]) <= 60 / LIMIT.per_minute + 1
    # Nothing of a refused message was kept.
    assert stored_user_messages(assistant, rest_conversation(sender)) == len(handled)


def test_a_flood_under_someone_elses_sender_id_does_not_lock_them_out(assistant):
    sender = f"victim-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(max_workers=1) as pool:
        flooding = pool.submit(flood, assistant.url, sender, "127.0.0.42")
        status, _, replies = post(assistant.url, sender, "what is a career", "127.0.0.43")
        assert any(status == 429 for status, _, _ in flooding.result())
    assert status == 200 and "nurse practitioner" in texts(replies)


def test_a_rest_client_that_waits_for_each_answer_is_never_limited(assistant):
    sender = f"back-to-back-{uuid.uuid4().hex[:8]}"
    statuses = [post(assistant.url, sender, text)[0]
                for text in ["hi", "what is a career", "what is a job"] * LIMIT.burst]
    assert statuses == [200] * 3 * LIMIT.burst
