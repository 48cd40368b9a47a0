"""Generated bad input against every endpoint people or services can reach (hypothesis).

Malformed JSON, JSON of the wrong shape, wrong types, missing fields, control characters, invalid
UTF-8, very long ids, unknown routes: every case gets a 4xx that says what is wrong, or is handled
as a normal message; never a 5xx. Afterwards the server still answers, and a conversation stored
before the barrage is unchanged. At least CASES cases per endpoint; the counts are written to
results/bad_input.json.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from urllib.parse import urlencode

import pytest
import requests
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careerbot.settings import PROJECT_ROOT
from tests.fakes.slack_api import FakeSlackWebApi, signed_headers
from tests.fakes.telegram_api import FakeTelegramBotApi, delivery_headers
from tests.support.channels import BOT_TOKEN, SLACK_TOKEN, channels_env
from tests.support.servers import free_port, rest_conversation, start_assistant
from tests.support.staff import console_env, create_staff, signed_in, start_staff_web_app

CASES = 1000
TELEGRAM_SECRET = "fuzz-secret_" + uuid.uuid4().hex
SLACK_SECRET = "slack-fuzz-signing-secret"
ORIGIN = "http://localhost:8080"  # one of the default WIDGET_ALLOWED_ORIGINS
CASES_TRIED: dict = {}

fuzz = settings(max_examples=CASES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))

# Text people could not type: control characters, lone surrogates are left out (not encodable).
awkward_text = st.one_of(
    st.text(max_size=200),
    st.text(st.characters(max_codepoint=0x1F), max_size=40),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=256, max_size=700),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | awkward_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=8)
raw_bodies = st.one_of(st.binary(max_size=400),  # mostly not JSON, often not UTF-8
                       json_values.map(lambda value: json.dumps(value).encode()))


def objects_with(**fields) -> st.SearchStrategy:
    """JSON objects where each named field may be missing, of the wrong type, or plausible."""
    return st.fixed_dictionaries({}, optional={name: json_values | plausible
                                               for name, plausible in fields.items()}).map(
        lambda value: json.dumps(value).encode())


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    bot_api = FakeTelegramBotApi(BOT_TOKEN, port=free_port())
    slack_api = FakeSlackWebApi(SLACK_TOKEN, port=free_port())
    bot_api.start()
    slack_api.start()
    assistant = start_assistant(tmp_path_factory.mktemp("bad-input"), extra_env=channels_env(
        bot_api, slack_api, TELEGRAM_SECRET, SLACK_SECRET))
    yield assistant
    assistant.rasa.stop()
    assistant.actions.stop()
    bot_api.stop()
    slack_api.stop()
    out = PROJECT_ROOT / "results" / "bad_input.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(CASES_TRIED, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def witness(services):
    """A conversation stored before any bad input, and a way to read it back."""
    sender = "witness-" + uuid.uuid4().hex
    for text in ("hi", "what is a career"):
        services.send(sender, text)
    database = services.data_dir / "conversations.db"

    def stored():
        with sqlite3.connect(database) as connection:
            return connection.execute("SELECT id, data FROM events WHERE sender_id = ? ORDER BY id",
                                      (rest_conversation(sender),)).fetchall()

    before = stored()
    assert len(before) > 4
    return before, stored


def check_answer(response: requests.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert response.text.strip(), "a 4xx must say what is wrong"


def run_cases(name: str, case_test, services, witness) -> None:
    tried = []
    case_test(tried)
    CASES_TRIED[name] = len(tried)
    assert len(tried) >= CASES
    before, stored = witness
    assert stored() == before  # nothing already stored was changed
    assert "nurse practitioner" in json.dumps(services.send("after-" + uuid.uuid4().hex,
                                                            "what is a career"))


def test_rest_channel(services, witness):
    url = f"{services.url}/webhooks/rest/webhook"
    http = requests.Session()

    @fuzz
    @given(body=st.one_of(raw_bodies, objects_with(sender=awkward_text, message=awkward_text,
                                                   metadata=st.dictionaries(st.text(), st.text()))))
    def case(tried, body):
        tried.append(1)
        response = http.post(url, data=body, headers={"Content-Type": "application/json"},
                             timeout=60)
        check_answer(response)
        if response.status_code == 200:
            assert isinstance(response.json(), list)  # a normal message, answered
        else:
            assert response.status_code == 400 and response.json()["error"]

    run_cases("REST /webhooks/rest/webhook", case, services, witness)


def test_socketio_http_endpoint(services, witness):
    http = requests.Session()

    @fuzz
    @given(query=st.dictionaries(st.sampled_from(["EIO", "transport", "sid", "t", "j"]) | st.text(max_size=8),
                                 st.sampled_from(["4", "3", "polling", "websocket"]) | st.text(max_size=30),
                                 max_size=4),
           method=st.sampled_from(["GET", "POST"]), body=raw_bodies)
    def case(tried, query, method, body):
        tried.append(1)
        response = http.request(method, f"{services.url}/socket.io/?{urlencode(query)}",
                                data=body if method == "POST" else None,
                                headers={"Origin": ORIGIN}, timeout=30)
        check_answer(response)

    run_cases("socket.io /socket.io/ (HTTP)", case, services, witness)


def test_socketio_events(services, witness):
    loop = asyncio.new_event_loop()
    client = socketio.AsyncClient(reconnection=False)
    # Long polling (python-engineio's websocket client needs a newer aiohttp than Rasa's).
    loop.run_until_complete(client.connect(services.url, headers={"Origin": ORIGIN},
                                           transports=["polling"]))
    session = "fuzz" + uuid.uuid4().hex
    loop.run_until_complete(client.emit("session_request", {"session_id": session}))

    @fuzz
    @given(event=st.sampled_from(["user_uttered", "session_request"]) | st.text(max_size=20),
           data=json_values | st.fixed_dictionaries(
               {"message": awkward_text},
               optional={"session_id": st.sampled_from([session]) | awkward_text,
                         "customData": json_values}))
    def case(tried, event, data):
        tried.append(1)
        loop.run_until_complete(client.emit(event, data))

    try:
        run_cases("socket.io events", case, services, witness)
        assert client.connected  # bad events did not cost the client its connection
    finally:
        loop.run_until_complete(client.disconnect())
        loop.close()


def test_telegram_webhook(services, witness):
    url = f"{services.url}/webhooks/telegram/webhook"
    http = requests.Session()
    updates = st.fixed_dictionaries({"update_id": st.integers(0, 2**31)}, optional={
        "message": st.fixed_dictionaries({}, optional={
            "chat": json_values | st.fixed_dictionaries({"id": st.integers(-10**12, 10**12)}),
            "text": awkward_text, "voice": json_values}),
        "callback_query": json_values, "edited_message": json_values,
    }).map(lambda value: json.dumps(value).encode())

    @fuzz
    @given(body=st.one_of(raw_bodies, updates, objects_with(update_id=st.integers())),
           secret=st.sampled_from([TELEGRAM_SECRET] * 4 + [None, "wrong"]))
    def case(tried, body, secret):
        tried.append(1)
        response = http.post(url, data=body, headers=delivery_headers(secret), timeout=60)
        check_answer(response)
        if secret != TELEGRAM_SECRET:
            assert response.status_code == 403

    run_cases("Telegram /webhooks/telegram/webhook", case, services, witness)


def test_slack_webhook(services, witness):
    url = f"{services.url}/webhooks/slack/webhook"
    http = requests.Session()
    events = st.fixed_dictionaries({"type": st.sampled_from(["event_callback", "url_verification"])
                                    | awkward_text}, optional={
        "event_id": awkward_text, "challenge": json_values,
        "event": st.fixed_dictionaries({}, optional={
            "type": st.just("message") | awkward_text, "user": awkward_text,
            "text": awkward_text, "channel": awkward_text, "subtype": json_values}),
    }).map(lambda value: json.dumps(value).encode())
    interactions = json_values.map(lambda value: urlencode({"payload": json.dumps(value)}).encode())

    @fuzz
    @given(body=st.one_of(raw_bodies, events, interactions), signed=st.booleans(),
           form=st.booleans())
    def case(tried, body, signed, form):
        tried.append(1)
        content_type = "application/x-www-form-urlencoded" if form else "application/json"
        headers = signed_headers(SLACK_SECRET if signed else "not-the-secret", body, content_type)
        response = http.post(url, data=body, headers=headers, timeout=60)
        check_answer(response)
        if not signed:
            assert response.status_code == 401

    run_cases("Slack /webhooks/slack/webhook", case, services, witness)


def test_unknown_routes_and_oversized_bodies(services, witness):
    http = requests.Session()

    @fuzz
    @given(path=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60),
           method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
    def case(tried, path, method):
        tried.append(1)
        response = http.request(method, f"{services.url}/{path.lstrip('/')}", timeout=30)
        check_answer(response)

    run_cases("Rasa server, any route", case, services, witness)
    too_big = b'{"sender": "big", "message": "' + b"x" * (1024 * 1024) + b'"}'
    response = http.post(f"{services.url}/webhooks/rest/webhook", data=too_big,
                         headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 413


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    work = tmp_path_factory.mktemp("bad-input-console")
    env = console_env(work / "var")
    create_staff(env)
    server = start_staff_web_app(env, work / "logs")
    yield server
    server.stop()


def test_staff_console(console):
    client = signed_in(console.url)
    # Every console page and form but signing out (which would end this client's session).
    paths = st.sampled_from([
        "/staff/", "/staff/queue", "/staff/conversations", "/staff/conversations/export.csv",
        "/staff/conversations/export.json", "/staff/conversation", "/staff/conversation/review",
        "/staff/conversation/handled", "/staff/conversation/tags",
        "/staff/conversation/tags/remove", "/staff/conversation/notes", "/staff/analytics",
        "/staff/audit", "/staff/requests", "/staff/conversation/reveal",
    ]) | st.text(max_size=40).map(lambda tail: "/staff/" + tail)
    params = st.dictionaries(st.sampled_from(["id", "sender_id", "page", "filter", "from", "to",
                                              "tag", "body", "show", "reason", "next", "return"])
                             | st.text(max_size=8), awkward_text, max_size=4)

    @fuzz
    @given(path=paths, query=params, method=st.sampled_from(["GET", "POST"]), form=params)
    def case(tried, path, query, method, form):
        tried.append(1)
        if method == "GET":
            response = client.get(path, params=query, allow_redirects=False)
        else:
            response = client.post(path, data=form, allow_redirects=False)
        assert response.status_code < 500, (method, path, response.status_code)

    tried = []
    case(tried)
    CASES_TRIED["staff console"] = len(tried)
    assert len(tried) >= CASES
    assert client.get("/staff/conversations").status_code == 200  # still signed in and serving


def test_no_secret_reaches_a_log_after_all_that(services):
    logs = services.rasa.log() + services.actions.log()
    assert len(logs) > 1000
    for secret in (BOT_TOKEN, TELEGRAM_SECRET, SLACK_TOKEN, SLACK_SECRET, services.auth_token):
        assert secret not in logs
