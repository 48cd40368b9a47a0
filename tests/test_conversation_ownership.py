"""No one can write into a conversation that is not theirs through the REST channel
(connectors/rest.py), against the running assistant and the production profile.

A REST sender's conversation is the REST channel's own (`rest:<sender>`), so naming a widget
session, its conversation id or anything else never reaches another channel's conversation
(Telegram and Slack: tests/test_channel_telegram.py). Only `application/json` is taken: a
text/plain or form POST is a CORS "simple request", which any web page could make its visitors'
browsers send. The production profile runs the channel only with REST_CHANNEL_TOKEN, which every
request must carry. (The widget's own channel: tests/test_widget_socketio.py; its session secret
is checked here.)
"""
from __future__ import annotations

import asyncio
import uuid

import pytest
import requests
import yaml
from rasa.shared.exceptions import InvalidConfigException

from careerbot import production as profile
from careerbot.conversation_ids import session_conversation
from careerbot.runtime import build_credentials, enabled_channels, server_env
from careerbot.settings import SettingsError, allowed_origins
from connectors.socketio import WidgetSocketIOInput
from tests.support.servers import rest_conversation, widget_conversation
from tests.support.widget_socket import WidgetSocket

EVIL_ORIGIN = "https://evil.example.net"
TOKEN = "rest-channel-token-" + "t" * 32


def test_a_rest_client_cannot_write_into_a_widget_conversation(assistant):
    marker = uuid.uuid4().hex[:8]

    async def visit():
        visitor = await WidgetSocket.connect(assistant.url, allowed_origins()[0])
        try:
            session_id = await visitor.start_session(None)
            await visitor.say(f"visitor {marker}", session_id)
            for sender in (session_id, session_conversation(session_id),
                           widget_conversation(session_id)):
                assert assistant.send(sender, f"rest client {marker}")  # in its own conversation
            return session_id, await visitor.more_replies()
        finally:
            await visitor.close()

    session_id, overheard = asyncio.run(visit())
    assert overheard == []  # the visitor saw nothing of it
    [visitors] = assistant.conversations_with(f"visitor {marker}")
    assert visitors not in assistant.conversations_with(f"rest client {marker}")
    assert visitors == widget_conversation(session_id)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_the_rest_channel_takes_only_json_so_no_web_page_can_make_a_browser_talk_to_it(
        assistant, content_type):
    text = f"sent from another site {uuid.uuid4().hex[:8]}"
    # What a page on any site can send from its visitor's browser without a CORS preflight.
    body = f'{{"sender": "visitor", "message": "{text}"}}'.encode()
    headers = {"Origin": EVIL_ORIGIN, **({"Content-Type": content_type} if content_type else {})}
    refused = requests.post(f"{assistant.url}/webhooks/rest/webhook", data=body, headers=headers,
                            timeout=30)
    assert refused.status_code == 415 and "application/json" in refused.json()["error"]
    assert assistant.conversations_with(text) == set()

    accepted = requests.post(f"{assistant.url}/webhooks/rest/webhook", timeout=30, data=body,
                             headers={"Content-Type": "application/json; charset=utf-8"})
    assert accepted.status_code == 200 and accepted.json()
    assert {reply["recipient_id"] for reply in accepted.json()} == {"visitor"}  # as Rasa's channel
    assert assistant.conversations_with(text) == {rest_conversation("visitor")}


def test_in_production_the_rest_channel_needs_its_token(production):
    message = {"sender": "token-holder", "message": "what is a career"}
    token = production.env["REST_CHANNEL_TOKEN"]
    for url in (production.public_url, *production.rasa_urls):
        webhook = f"{url}/webhooks/rest/webhook"
        for wrong in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = requests.post(webhook, json=message, headers=wrong, timeout=30)
            assert refused.status_code == 401, (url, wrong)
            assert "REST_CHANNEL_TOKEN" in refused.json()["error"]
            assert token not in refused.text
        answered = requests.post(webhook, json=message, headers=production.rest_headers, timeout=60)
        assert answered.status_code == 200 and "nurse practitioner" in answered.text, url
        not_json = requests.post(webhook, data=str(message), timeout=30,
                                 headers={"Content-Type": "text/plain", **production.rest_headers})
        assert not_json.status_code == 415


def production_credentials(env: dict, tmp_path) -> dict:
    """The credentials `make run-production` gives its Rasa instances for `env`."""
    env = dict(env, DATABASE_URL="postgresql://u@h/db", REDIS_URL="redis://h:6379/1",
               CAREERBOT_DATA_DIR=str(tmp_path))
    topology = profile.plan(env, public_port=8080)
    profile.commands(profile.production_env(env, topology), topology)
    return yaml.safe_load((topology.run_dir / "credentials.yml").read_text())


def test_the_production_profile_runs_the_rest_channel_only_with_a_token(tmp_path):
    assert "connectors.rest.RestInput" not in production_credentials({}, tmp_path)
    assert "connectors.rest.RestInput" in production_credentials({"REST_CHANNEL_TOKEN": TOKEN}, tmp_path)
    assert enabled_channels(build_credentials({}, production=True)) == ["website widget"]
    assert enabled_channels(build_credentials({})) == ["REST API", "website widget"]  # `make run`
    with pytest.raises(SettingsError, match="REST_CHANNEL_TOKEN must be at least 32") as bad:
        build_credentials({"REST_CHANNEL_TOKEN": "short-secret"}, production=True)
    assert "short-secret" not in str(bad.value)


def test_the_widget_session_secret_is_made_for_a_run_when_unset_and_checked_when_set(monkeypatch):
    made = server_env({})["WIDGET_SESSION_SECRET"]
    assert len(made) >= 32 and made != server_env({})["WIDGET_SESSION_SECRET"]
    assert server_env({"WIDGET_SESSION_SECRET": made})["WIDGET_SESSION_SECRET"] == made
    with pytest.raises(SettingsError, match="WIDGET_SESSION_SECRET must be at least 32") as bad:
        server_env({"WIDGET_SESSION_SECRET": "short-secret"})
    assert "short-secret" not in str(bad.value)
    # A Rasa server started some other way refuses to run the widget's channel without one.
    monkeypatch.delenv("WIDGET_SESSION_SECRET", raising=False)
    channel = WidgetSocketIOInput.from_credentials({})
    with pytest.raises(InvalidConfigException,
                       match="Website widget channel: WIDGET_SESSION_SECRET is not set"):
        channel.blueprint(lambda message: None)
