"""The Slack channel, end to end: Slack's own sample payloads, signed as Slack signs them, go to the
running assistant over HTTP, and a fake Slack Web API on 127.0.0.1 records what the bot posts.

This assistant runs with SLACK_REPLY_IN_THREAD=true and REDIS_URL set (the tests' own Redis,
tests/support/services.py), so the event-id cache under test is the Redis one; the in-memory one has a unit test
here and answers the Slack message in tests/test_channel_telegram.py. Each test writes with its
own message ts (mostly as its own person too), and since replies go in the thread of that ts, the
replies of one test are told apart from the others' by their thread_ts.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from urllib.parse import urlencode

import pytest
import redis
from rasa.shared.exceptions import InvalidConfigException
from slack_sdk.web.async_client import AsyncWebClient

from careerbot.settings import PROJECT_ROOT
from connectors.slack import (InMemoryEventIds, RedisEventIds, SlackInput, SlackOutput,
                             SlackSignatureVerifier)
from tests.fakes.http_fake import deliver
from tests.fakes.slack_api import BOT_USER_ID, FakeSlackWebApi, signed_headers
from tests.support.servers import start_assistant
from tests.support.services import redis_url

SAMPLES = PROJECT_ROOT / "tests" / "fixtures" / "shared" / "samples" / "slack"
BOT_TOKEN = "xoxb-test-fake-slack-bot-token"
SIGNING_SECRET = "slack-test-signing-secret-" + uuid.uuid4().hex
QUIET_PERIOD = 3  # seconds to wait before concluding that nothing was (or will be) posted


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    """(assistant, fake Slack Web API)."""
    slack_api = FakeSlackWebApi(BOT_TOKEN).start()
    assistant = start_assistant(tmp_path_factory.mktemp("slack"), extra_env={
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_BASE_URL": slack_api.base_url, "SLACK_REPLY_IN_THREAD": "true",
        "REDIS_URL": redis_url(0),
    })
    yield assistant, slack_api
    assistant.rasa.stop()
    assistant.actions.stop()
    slack_api.stop()


@pytest.fixture
def assistant(services):
    return services[0]


@pytest.fixture
def slack_api(services):
    return services[1]


def fresh_ts() -> str:
    return f"{int(time.time())}.{random.randrange(10 ** 6):06d}"


def message_event(text: str, sample_name: str = "event_callback_message_channels.json",
                  new_person: bool = True) -> dict:
    """A sample event_callback with `text`, a new event_id and ts (and, by default, person)."""
    body = sample(sample_name)
    body["event_id"] = "Ev" + uuid.uuid4().hex[:12].upper()
    body["event"].update(text=text, ts=fresh_ts())
    body["event"]["event_ts"] = body["event"]["ts"]
    if new_person:
        body["event"]["user"] = "U" + uuid.uuid4().hex[:10].upper()
    return body


def webhook(assistant) -> str:
    return f"{assistant.url}/webhooks/slack/webhook"


def send_event(assistant, body: dict, extra_headers=None):
    raw = json.dumps(body).encode()
    return deliver(webhook(assistant), raw,
                   {**signed_headers(SIGNING_SECRET, raw), **(extra_headers or {})})


def thread_replies(slack_api, ts: str) -> list:
    return [call for call in slack_api.posted() if call.params.get("thread_ts") == ts]


def assert_nothing_posted_in_thread(slack_api, ts: str) -> None:
    time.sleep(QUIET_PERIOD)
    assert thread_replies(slack_api, ts) == []


def buttons_of(params: dict) -> list:
    return [element for block in params.get("blocks", []) if block["type"] == "actions"
            for element in block["elements"]]


# --- url_verification and signatures -------------------------------------------------------------

def test_url_verification_is_answered_with_the_challenge(assistant):
    answer = send_event(assistant, sample("url_verification.json"))

    assert answer.status == 200
    assert json.loads(answer.text) == {
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_an_unsigned_url_verification_is_refused(assistant):
    answer = deliver(webhook(assistant), json.dumps(sample("url_verification.json")).encode(),
                     {"Content-Type": "application/json"})

    assert answer.status == 401
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" not in answer.text


def tampered(raw: bytes, headers: dict):
    return raw.replace(b'"hi"', b'"I want to talk to a counselor"'), headers


def stale(raw: bytes, headers: dict):
    return raw, signed_headers(SIGNING_SECRET, raw, timestamp=int(time.time()) - 6 * 60)


def from_the_future(raw: bytes, headers: dict):
    return raw, signed_headers(SIGNING_SECRET, raw, timestamp=int(time.time()) + 6 * 60)


def signed_with_another_secret(raw: bytes, headers: dict):
    return raw, signed_headers("not-the-signing-secret", raw)


def without(header: str):
    def drop(raw: bytes, headers: dict):
        return raw, {k: v for k, v in headers.items() if k != header}
    return drop


@pytest.mark.parametrize("spoil, reason", [
    (tampered, "does not match"),
    (stale, "5 minutes"),
    (from_the_future, "5 minutes"),
    (signed_with_another_secret, "does not match"),
    (without("X-Slack-Signature"), "headers are required"),
    (without("X-Slack-Request-Timestamp"), "headers are required"),
], ids=["tampered body", "stale timestamp", "future timestamp", "wrong secret",
        "no signature header", "no timestamp header"])
def test_requests_not_verifiably_from_slack_are_refused(assistant, slack_api, spoil, reason):
    body = message_event("hi")
    raw = json.dumps(body).encode()
    raw, headers = spoil(raw, signed_headers(SIGNING_SECRET, raw))

    answer = deliver(webhook(assistant), raw, headers)

    assert answer.status == 401
    assert reason in answer.text
    assert_nothing_posted_in_thread(slack_api, body["event"]["ts"])


def test_slacks_worked_signing_example_verifies_at_its_own_time():
    vector = json.loads((SAMPLES / "signing_test_vector.json").read_text())
    body = (SAMPLES / "signing_body.txt").read_bytes()
    assert body == vector["body"].encode()
    sent_at = int(vector["x_slack_request_timestamp"])
    signature = vector["expected_x_slack_signature"]

    def verifier_at(now: float) -> SlackSignatureVerifier:
        return SlackSignatureVerifier(vector["signing_secret"], clock=lambda: now)

    assert verifier_at(sent_at).problem(str(sent_at), signature, body) is None
    assert verifier_at(sent_at + 300).problem(str(sent_at), signature, body) is None
    assert "5 minutes" in verifier_at(sent_at + 301).problem(str(sent_at), signature, body)
    assert "5 minutes" in verifier_at(sent_at - 301).problem(str(sent_at), signature, body)
    # Today the same request is a replay.
    assert "5 minutes" in SlackSignatureVerifier(vector["signing_secret"]).problem(
        str(sent_at), signature, body)
    assert "does not match" in verifier_at(sent_at).problem(
        str(sent_at), signature, body.replace(b"user_name=roadrunner", b"user_name=coyote"))
    assert "does not match" in verifier_at(sent_at + 1).problem(str(sent_at + 1), signature, body)
    assert "required" in verifier_at(sent_at).problem(None, signature, body)
    assert "required" in verifier_at(sent_at).problem(str(sent_at), None, body)
    assert "Unix time" in verifier_at(sent_at).problem("yesterday", signature, body)


def test_a_body_or_signature_that_cannot_be_slacks_is_refused_rather_than_raising():
    # slack_sdk raises on these (UTF-8 decoding of the body, str comparison of the signatures).
    verifier = SlackSignatureVerifier(SIGNING_SECRET, clock=lambda: 1_700_000_000)
    headers = signed_headers(SIGNING_SECRET, b"payload=%FF", timestamp=1_700_000_000)
    assert verifier.problem(headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"],
                            b"payload=%FF") is None
    assert "does not match" in verifier.problem(
        headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"], b"payload=\xff")
    assert "does not match" in verifier.problem(
        headers["X-Slack-Request-Timestamp"], "v0=\u00ff" * 16, b"payload=%FF")


# --- messages --------------------------------------------------------------------------------------

def test_a_channel_message_gets_a_reply_with_block_kit_buttons_in_its_thread(assistant, slack_api):
    # Slack's message.channels example, by its own person (the authorization in it is that
    # person's, not the bot's: is_bot is false).
    body = message_event("hi", new_person=False)
    ts = body["event"]["ts"]

    answer = send_event(assistant, body)

    assert answer.status == 200
    slack_api.wait_for(lambda _: bool(thread_replies(slack_api, ts)))
    [reply] = thread_replies(slack_api, ts)
    assert reply.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert reply.params["channel"] == "C123ABC456"
    assert "career assistant" in reply.params["text"]
    section, actions = reply.params["blocks"]
    assert section["type"] == "section" and "career assistant" in section["text"]["text"]
    assert actions["type"] == "actions"
    assert {"type": "plain_text", "text": "Job vs. career"} in [b["text"] for b in buttons_of(reply.params)]
    assert {b["text"]["text"]: b["value"] for b in buttons_of(reply.params)}[
        "Talk to a counselor"] == "/request_human"


def test_a_message_written_in_a_thread_is_answered_in_that_thread(assistant, slack_api):
    body = message_event("hi")
    parent_ts = fresh_ts()
    body["event"]["thread_ts"] = parent_ts

    assert send_event(assistant, body).status == 200

    slack_api.wait_for(lambda _: bool(thread_replies(slack_api, parent_ts)))
    [reply] = thread_replies(slack_api, parent_ts)
    assert "career assistant" in reply.params["text"]
    assert thread_replies(slack_api, body["event"]["ts"]) == []


def test_the_real_world_message_gets_an_answer(assistant, slack_api):
    body = sample("event_callback_message_realworld.json")
    body["event_id"] = "Ev" + uuid.uuid4().hex[:12].upper()
    ts = body["event"]["ts"] = body["event"]["event_ts"] = fresh_ts()

    assert send_event(assistant, body).status == 200

    slack_api.wait_for(lambda _: bool(thread_replies(slack_api, ts)))
    # Whatever the assistant makes of "dgsfklsdgf", it answers, in that channel (the event's
    # authorization is the bot's, and the person is not mistaken for it).
    replies = thread_replies(slack_api, ts)
    assert all(call.params["channel"] == "C043YJGBY49" and call.params["text"].strip()
               for call in replies)


def test_retries_are_handled_once_whatever_their_reason(assistant, slack_api):
    body = message_event("hi")
    ts = body["event"]["ts"]

    first = send_event(assistant, body)
    retries = [send_event(assistant, body, {"X-Slack-Retry-Num": str(number),
                                            "X-Slack-Retry-Reason": reason})
               for number, reason in ((1, "http_timeout"), (2, "http_error"),
                                      (3, "too_many_redirects"))]

    assert first.status == 200
    assert [r.status for r in retries] == [200, 200, 200]
    assert all(r.headers.get("X-Slack-No-Retry") == "1" for r in retries)
    slack_api.wait_for(lambda _: bool(thread_replies(slack_api, ts)))
    time.sleep(QUIET_PERIOD)
    assert len(thread_replies(slack_api, ts)) == 1


def test_a_retry_after_the_event_cache_was_lost_is_still_not_answered_twice(assistant, slack_api):
    body = message_event("hi")
    ts = body["event"]["ts"]
    assert send_event(assistant, body).status == 200
    slack_api.wait_for(lambda _: bool(thread_replies(slack_api, ts)))

    # The event id is in Redis (shared by all instances) for an hour...
    key = RedisEventIds.KEY_PREFIX + body["event_id"]
    store = redis.Redis.from_url(redis_url(0))
    assert 0 < store.ttl(key) <= 3600
    # ...but say Redis lost it: Rasa's conversation still knows the event.
    store.delete(key)
    retry = send_event(assistant, body, {"X-Slack-Retry-Num": "1",
                                         "X-Slack-Retry-Reason": "http_timeout"})

    assert retry.status == 200
    time.sleep(QUIET_PERIOD)
    assert len(thread_replies(slack_api, ts)) == 1


BOT_POST = {"type": "message", "subtype": "bot_message", "text": "hi", "bot_id": "B0OTHERBOT",
            "username": "another bot", "channel": "C123ABC456", "channel_type": "channel"}


def other_bots_post() -> dict:
    body = message_event("hi")
    body["event"] = dict(BOT_POST, ts=body["event"]["ts"], event_ts=body["event"]["ts"])
    return body


def our_own_post_echoed() -> dict:
    # How Slack echoes a message the bot posted with its token: the bot's ids, no subtype.
    body = message_event("hi")
    body["event"].update(user=BOT_USER_ID, bot_id="B0FAKEBOT1", app_id="A123ABC456")
    return body


def an_edit() -> dict:
    body = message_event("hi")
    ts = body["event"]["ts"]
    body["event"] = {"type": "message", "subtype": "message_changed", "hidden": True,
                     "channel": "C123ABC456", "ts": ts, "event_ts": ts,
                     "message": {"type": "message", "user": "U123ABC456", "text": "hi",
                                 "edited": {"user": "U123ABC456", "ts": ts}, "ts": ts},
                     "previous_message": {"type": "message", "user": "U123ABC456",
                                          "text": "hello", "ts": ts},
                     "channel_type": "channel"}
    return body


def from_the_bot_user_named_in_authorizations() -> dict:
    body = message_event("hi", "event_callback_message_realworld.json")
    body["event"]["user"] = "U0442US8QGH"  # the realworld sample's bot authorization
    return body


def from_the_bot_user_auth_test_names() -> dict:
    body = message_event("hi")  # its authorization is a person's: the bot is found by auth.test
    body["event"]["user"] = BOT_USER_ID
    return body


@pytest.mark.parametrize("make_event", [
    other_bots_post, our_own_post_echoed, an_edit, from_the_bot_user_named_in_authorizations,
    from_the_bot_user_auth_test_names,
])
def test_bot_messages_edits_and_the_bots_own_messages_are_not_answered(assistant, slack_api,
                                                                        make_event):
    body = make_event()

    answer = send_event(assistant, body)

    assert answer.status == 200
    assert_nothing_posted_in_thread(slack_api, body["event"]["ts"])
    if make_event is from_the_bot_user_auth_test_names:
        assert slack_api.calls("auth.test"), "the bot's own user id was not looked up"


# --- buttons ---------------------------------------------------------------------------------------

def block_actions(user: str, posted_message: dict, channel: str, button: dict) -> bytes:
    """Slack's form-encoded block_actions payload for a click on `button` of `posted_message`."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "roadrunner", "name": "roadrunner", "team_id": "T123ABC456"},
        "api_app_id": "A123ABC456",
        "token": "one-long-verification-token",
        "container": {"type": "message", "message_ts": posted_message["ts"], "channel_id": channel,
                      "is_ephemeral": False, "thread_ts": posted_message.get("thread_ts")},
        "trigger_id": "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
        "team": {"id": "T123ABC456", "domain": "careerbot-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "career-help"},
        "message": posted_message,
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T123ABC456/1234567890/abcdefgh",
        "actions": [{"action_id": button["action_id"], "block_id": "menu", "text": button["text"],
                     "value": button["value"], "type": "button", "action_ts": fresh_ts()}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_a_button_click_is_answered_in_the_same_thread(assistant, slack_api):
    body = message_event("hi")
    ts, user = body["event"]["ts"], body["event"]["user"]
    send_event(assistant, body)
    slack_api.wait_for(lambda _: bool(thread_replies(slack_api, ts)))
    [greeting] = thread_replies(slack_api, ts)
    posted = greeting.answer["message"]
    button = next(b for b in buttons_of(greeting.params) if b["text"]["text"] == "Job vs. career")

    raw = block_actions(user, posted, "C123ABC456", button)
    answer = deliver(webhook(assistant), raw,
                     signed_headers(SIGNING_SECRET, raw, "application/x-www-form-urlencoded"))

    assert answer.status == 200
    summary = slack_api.wait_for_post("Five key differences")
    assert summary.params["channel"] == "C123ABC456"
    assert summary.params["thread_ts"] == ts
    assert "Timeframe" in [b["text"]["text"] for b in buttons_of(summary.params)]


def test_a_tampered_button_click_is_refused(assistant, slack_api):
    body = message_event("hi")
    ts, user = body["event"]["ts"], body["event"]["user"]
    posted = {"type": "message", "ts": fresh_ts(), "thread_ts": ts, "text": "menu"}
    button = {"action_id": "rasa_button_0", "text": {"type": "plain_text", "text": "Menu"},
              "value": "/greet"}
    raw = block_actions(user, posted, "C123ABC456", button)
    headers = signed_headers(SIGNING_SECRET, raw, "application/x-www-form-urlencoded")

    answer = deliver(webhook(assistant), raw.replace(b"greet", b"crisis"), headers)

    assert answer.status == 401
    assert_nothing_posted_in_thread(slack_api, ts)


@pytest.mark.parametrize("raw, content_type, status, explanation", [
    (b"not json", "application/json", 400, "JSON object"),
    (json.dumps({"type": "event_callback", "event": {"type": "message"}}).encode(),
     "application/json", 400, "event_id"),
    (b"token=abc&team_id=T1", "application/x-www-form-urlencoded", 400, "payload"),
    (b"payload=%7Bnot+json", "application/x-www-form-urlencoded", 400, "payload"),
    (b"hello", "text/plain", 415, "JSON event or a form-encoded interaction"),
])
def test_signed_but_malformed_requests_get_a_clear_4xx(assistant, raw, content_type, status,
                                                       explanation):
    answer = deliver(webhook(assistant), raw, signed_headers(SIGNING_SECRET, raw, content_type))

    assert answer.status == status
    assert explanation in answer.text


# --- what Rasa's other kinds of responses look like in Slack ---------------------------------------

@pytest.fixture
def lone_slack_api():
    """A fake Slack Web API of its own, for tests that do not need the assistant."""
    fake = FakeSlackWebApi(BOT_TOKEN).start()
    yield fake
    fake.stop()


def test_markup_characters_many_buttons_images_and_custom_payloads_reach_slack(lone_slack_api):
    output = SlackOutput(AsyncWebClient(BOT_TOKEN, base_url=lone_slack_api.base_url), "D0DIRECT1")
    many = [{"title": f"Option {n}", "payload": f"/inform{{\"n\": {n}}}"} for n in range(30)]

    async def send_all():
        # A name typed by a person comes back in answers: it must not notify the whole channel.
        await output.send_text_message("U0PERSON1", "Thanks, Maria <!channel> & co.")
        await output.send_text_with_buttons("U0PERSON1", "Pick one:", many)
        await output.send_image_url("U0PERSON1", "https://example.org/map.png")
        await output.send_custom_json("U0PERSON1", {"widget_card": {"title": "for the website"}})

    asyncio.run(send_all())

    text, menu, image = [call.params for call in lone_slack_api.posted("D0DIRECT1")]
    assert len(lone_slack_api.calls()) == 3  # the web widget's custom payload was not posted
    assert text["text"] == "Thanks, Maria &lt;!channel&gt; &amp; co."
    # Block Kit takes at most 25 buttons in an actions block: 30 make two blocks.
    assert [len(block["elements"]) for block in menu["blocks"] if block["type"] == "actions"] \
        == [25, 5]
    assert [b["value"] for b in buttons_of(menu)] == [m["payload"] for m in many]
    assert image["blocks"] == [{"type": "image", "image_url": "https://example.org/map.png",
                                "alt_text": "https://example.org/map.png"}]


@pytest.mark.parametrize("unset, bad, expected", [
    ("SLACK_SIGNING_SECRET", {}, "SLACK_SIGNING_SECRET not set"),
    (None, {"SLACK_REPLY_IN_THREAD": "sometimes"}, "SLACK_REPLY_IN_THREAD must be true or false"),
])
def test_the_channel_refuses_to_run_half_configured(monkeypatch, unset, bad, expected):
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    if unset:
        monkeypatch.delenv(unset)
    for name, value in bad.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(InvalidConfigException, match=expected):
        SlackInput.from_credentials(None)


# --- event-id caches -------------------------------------------------------------------------------

def test_the_in_memory_event_cache_forgets_after_its_ttl_and_beyond_its_size():
    now = [1000.0]
    cache = InMemoryEventIds(ttl=60, max_size=2, clock=lambda: now[0])

    async def scenario():
        assert await cache.first_delivery("Ev1") is True
        assert await cache.first_delivery("Ev1") is False  # a retry a moment later
        now[0] += 59
        assert await cache.first_delivery("Ev1") is False
        now[0] += 2
        assert await cache.first_delivery("Ev1") is True   # the TTL has passed
        assert await cache.first_delivery("Ev2") is True
        assert await cache.first_delivery("Ev3") is True   # over max_size: Ev1 goes
        assert await cache.first_delivery("Ev3") is False
        assert await cache.first_delivery("Ev1") is True

    asyncio.run(scenario())


def test_the_redis_event_cache_lets_one_delivery_through_and_expires():
    event_id = "EvTEST" + uuid.uuid4().hex
    cache = RedisEventIds(redis_url(0), ttl=30)

    async def scenario():
        try:
            return [await cache.first_delivery(event_id), await cache.first_delivery(event_id)]
        finally:
            await cache.close()

    assert asyncio.run(scenario()) == [True, False]
    store = redis.Redis.from_url(redis_url(0))
    key = RedisEventIds.KEY_PREFIX + event_id
    assert 0 < store.ttl(key) <= 30
    store.delete(key)
