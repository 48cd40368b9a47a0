"""The Telegram channel, end to end: Telegram's own sample updates go to the running assistant
over HTTP, and a fake Bot API on 127.0.0.1 records what the bot sends back.

The assistant is started while the fake Telegram and Slack APIs are down (both channels on), so
these tests also show that the server starts without reaching either service.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass

import pytest
from rasa.shared.exceptions import InvalidConfigException

from careerbot.conversation_ids import conversation_id
from careerbot.settings import PROJECT_ROOT
from connectors.telegram import TelegramBotApi, TelegramInput, TelegramOutput
from tests.fakes.http_fake import UnreachableService, deliver
from tests.fakes.slack_api import FakeSlackWebApi, signed_headers
from tests.fakes.telegram_api import FakeTelegramBotApi, delivery_headers
from tests.support.channels import BOT_NAME, BOT_TOKEN, SLACK_TOKEN, channels_env
from tests.support.servers import Assistant, free_port, start_assistant

SAMPLES = PROJECT_ROOT / "tests" / "fixtures" / "shared" / "samples"
SECRET_TOKEN = "test-secret_" + uuid.uuid4().hex
SLACK_SECRET = "slack-test-signing-secret-" + uuid.uuid4().hex
PERSON = 1111111  # the chat and user id in Telegram's samples


def sample(name: str) -> dict:
    return json.loads((SAMPLES / "telegram" / name).read_text())


@dataclass
class Services:
    assistant: Assistant
    bot_api: FakeTelegramBotApi
    slack_api: FakeSlackWebApi
    connections_while_starting: int  # attempts to reach Telegram or Slack during start-up


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    """The assistant with both channels on, started while Telegram and Slack were down."""
    bot_api = FakeTelegramBotApi(BOT_TOKEN, port=free_port())
    slack_api = FakeSlackWebApi(SLACK_TOKEN, port=free_port())
    telegram_down, slack_down = UnreachableService(bot_api.port), UnreachableService(slack_api.port)
    try:
        assistant = start_assistant(tmp_path_factory.mktemp("telegram"), extra_env=channels_env(
            bot_api, slack_api, SECRET_TOKEN, SLACK_SECRET))
    finally:
        telegram_down.close()
        slack_down.close()
    bot_api.start()
    slack_api.start()
    yield Services(assistant, bot_api, slack_api,
                   telegram_down.connection_attempts + slack_down.connection_attempts)
    assistant.rasa.stop()
    assistant.actions.stop()
    bot_api.stop()
    slack_api.stop()


@pytest.fixture
def assistant(services):
    return services.assistant


@pytest.fixture
def bot_api(services):
    services.bot_api.reset()
    return services.bot_api


def send_update(assistant, update: dict, secret_token=SECRET_TOKEN):
    return deliver(f"{assistant.url}/webhooks/telegram/webhook", json.dumps(update).encode(),
                   delivery_headers(secret_token))


def keyboard_buttons(message: dict) -> list:
    return [button for row in message["reply_markup"]["inline_keyboard"] for button in row]


def greeting_with_keyboard(bot_api) -> dict:
    [greeting] = [m for m in bot_api.sent_messages() if "career assistant" in m["text"]]
    return greeting


def test_server_started_with_both_channels_while_telegram_and_slack_were_down(services, bot_api):
    assistant, slack_api = services.assistant, services.slack_api
    assert services.connections_while_starting == 0  # it did not even try to reach them
    for channel in ("telegram", "slack"):
        with urllib.request.urlopen(f"{assistant.url}/webhooks/{channel}/", timeout=10) as answer:
            assert json.loads(answer.read()) == {"status": "ok"}

    # Now that the APIs are up, the first messages get answers on both channels (nothing kept
    # from start-up, such as a session bound to another event loop, breaks the first reply).
    assert send_update(assistant, sample("update_message_text.json")).status == 200
    assert "career assistant" in greeting_with_keyboard(bot_api)["text"]

    event = json.loads((SAMPLES / "slack" / "event_callback_message_channels.json").read_text())
    event["event"]["text"] = "hi"
    event["event_id"] = "Ev" + uuid.uuid4().hex[:10].upper()
    body = json.dumps(event).encode()
    answer = deliver(f"{assistant.url}/webhooks/slack/webhook", body,
                     signed_headers(SLACK_SECRET, body))
    assert answer.status == 200
    reply = slack_api.wait_for_post("career assistant")
    assert reply.params["channel"] == "C123ABC456"
    # SLACK_REPLY_IN_THREAD is unset: the answer goes in the channel, not in a thread.
    assert "thread_ts" not in reply.params


@pytest.mark.parametrize("sample_name, text", [
    ("update_message_text.json", None),        # "/start", chat with a type
    ("update_message_text_basic.json", None),  # "/start", chat without a type
    ("update_message_text.json", "hi"),
    ("update_message_text.json", f"/start@{BOT_NAME}"),  # a command addressed to us in a group
    ("update_message_text.json", "/restart"),  # a new conversation, greeted
])
def test_start_or_hi_gets_the_greeting_with_an_inline_keyboard(assistant, bot_api, sample_name,
                                                                text):
    update = sample(sample_name)
    if text:
        update["message"]["text"] = text

    answer = send_update(assistant, update)

    assert answer.status == 200
    greeting = greeting_with_keyboard(bot_api)
    assert str(greeting["chat_id"]) == str(PERSON)
    buttons = keyboard_buttons(greeting)
    assert {"text": "Job vs. career", "callback_data": "/ask_job_vs_career"} in buttons
    assert "Talk to a counselor" in [button["text"] for button in buttons]
    assert all(str(m["chat_id"]) == str(PERSON) for m in bot_api.sent_messages())


def test_help_lists_what_the_bot_can_do_with_buttons(assistant, bot_api):
    update = sample("update_message_text.json")
    update["message"]["text"] = "/help"

    assert send_update(assistant, update).status == 200

    [menu] = [m for m in bot_api.sent_messages() if "what I can help with" in m["text"]]
    assert "Find local help" in [button["text"] for button in keyboard_buttons(menu)]


def test_a_command_for_another_bot_in_a_group_is_left_alone(assistant, bot_api):
    update = sample("update_message_text.json")
    update["message"]["text"] = "/start@SomeOtherBot"

    assert send_update(assistant, update).status == 200
    assert bot_api.calls() == []


def test_tapping_a_button_answers_the_tap_and_replies_in_the_chat(assistant, bot_api):
    send_update(assistant, sample("update_message_text.json"))
    tapped = next(b for b in keyboard_buttons(greeting_with_keyboard(bot_api))
                  if b["text"] == "Job vs. career")
    bot_api.reset()
    # The tap as Telegram sends it for a button under a message in a group chat: the reply
    # belongs in that chat, not in the private chat of the person who tapped.
    group_chat = {"id": -1001234567890, "type": "supergroup", "title": "Career club"}
    update = sample("update_callback_query_inline.json")
    query = update["callback_query"]
    del query["inline_message_id"]
    query.update(data=tapped["callback_data"], chat_instance="-7412345678901234567",
                 message={"message_id": 1366, "date": 1441645540, "chat": group_chat,
                          "text": "Hi! I'm a career assistant."})

    assert send_update(assistant, update).status == 200

    calls = bot_api.calls()
    assert calls[0].method == "answerCallbackQuery"  # first, so the button stops spinning
    assert calls[0].params == {"callback_query_id": "4382bfdwdsb323b2d9"}
    [summary] = [m for m in bot_api.sent_messages() if "Five key differences" in m["text"]]
    assert str(summary["chat_id"]) == str(group_chat["id"])

    # A button whose payload carries an entity works as well.
    timeframe = next(b for b in keyboard_buttons(summary) if b["text"] == "Timeframe")
    bot_api.reset()
    query.update(id="4382bfdwdsb323b2e0", data=timeframe["callback_data"])
    assert send_update(assistant, update).status == 200
    assert any(m["text"].startswith("Timeframe: jobs are often short-term")
               for m in bot_api.sent_messages())


def test_inline_mode_tap_without_a_chat_is_answered_in_the_private_chat(assistant, bot_api):
    # Telegram's inline-mode sample, as is: no message, no chat_instance.
    assert send_update(assistant, sample("update_callback_query_inline.json")).status == 200

    assert [c.params for c in bot_api.calls("answerCallbackQuery")] == [
        {"callback_query_id": "4382bfdwdsb323b2d9"}]
    replies = bot_api.sent_messages()
    assert replies, "the tap got no reply"
    assert all(str(m["chat_id"]) == str(PERSON) for m in replies)  # from.id of the tap


NON_TEXT = {
    "voice": None,  # Telegram's own sample
    "sticker": {"file_id": "CAACAgIAAxkBAAIBQ2", "file_unique_id": "AgADgQADwZxgDA",
                "type": "regular", "width": 512, "height": 512, "is_animated": False,
                "is_video": False, "emoji": "\U0001F44D"},
    "photo": [{"file_id": "AgACAgIAAxkBAAIBRGF", "file_unique_id": "AQADx7sxG7yL",
               "width": 90, "height": 67, "file_size": 1254}],
}


@pytest.mark.parametrize("kind", NON_TEXT)
def test_voice_stickers_and_photos_get_a_polite_text_only_note(assistant, bot_api, kind):
    update = sample("update_voice_message.json")
    if NON_TEXT[kind] is not None:
        del update["message"]["voice"]
        update["message"][kind] = NON_TEXT[kind]

    assert send_update(assistant, update).status == 200

    [note] = bot_api.sent_messages()
    assert str(note["chat_id"]) == str(PERSON)
    assert "only read text" in note["text"] and "type" in note["text"]
    assert "reply_markup" not in note


def test_an_edited_message_gets_a_note_instead_of_a_second_answer(assistant, bot_api):
    assert send_update(assistant, sample("update_edited_message.json")).status == 200

    [note] = bot_api.sent_messages()
    assert str(note["chat_id"]) == str(PERSON)
    assert "edit" in note["text"] and "again" in note["text"]


@pytest.mark.parametrize("secret_token", [None, "", "wrong-secret", SECRET_TOKEN + "x"])
def test_updates_without_the_right_secret_token_are_refused(assistant, bot_api, secret_token):
    answer = send_update(assistant, sample("update_message_text.json"), secret_token=secret_token)

    assert answer.status == 403
    assert "X-Telegram-Bot-Api-Secret-Token" in answer.text
    assert bot_api.calls() == []


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"message": {"text": "hi"}}'])
def test_a_body_that_is_not_an_update_gets_a_clear_400(assistant, bot_api, body):
    answer = deliver(f"{assistant.url}/webhooks/telegram/webhook", body,
                     delivery_headers(SECRET_TOKEN))

    assert answer.status == 400
    assert "Telegram Update" in answer.text
    assert bot_api.calls() == []


@pytest.mark.parametrize("unset, bad, expected", [
    ("TELEGRAM_SECRET_TOKEN", {}, "TELEGRAM_SECRET_TOKEN is not set"),
    (None, {"TELEGRAM_SECRET_TOKEN": "with spaces"}, "TELEGRAM_SECRET_TOKEN must be 1-256"),
    ("TELEGRAM_BOT_TOKEN", {}, "TELEGRAM_BOT_TOKEN is not set"),
])
def test_the_channel_refuses_to_run_half_configured(monkeypatch, unset, bad, expected):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET_TOKEN)
    if unset:
        monkeypatch.delenv(unset)
    for name, value in bad.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(InvalidConfigException, match=expected):
        TelegramInput.from_credentials(None)


# --- what Rasa's other kinds of responses look like in Telegram ------------------------------------

def test_long_texts_long_button_payloads_images_and_custom_payloads_reach_telegram(lone_bot_api):
    output = TelegramOutput(TelegramBotApi(lone_bot_api.base_url, BOT_TOKEN))
    chat = str(PERSON)
    recipient = conversation_id("telegram", chat)  # Rasa's recipient id: the chat's conversation
    long_text = "\n".join(f"Line {number}: " + "x" * 90 for number in range(60))  # > 4096
    long_payload = ('/find_resource{"resource_type": "transportation_assistance", '
                    '"location": "Springfield, Illinois"}')

    async def send_all():
        try:
            await output.send_text_message(recipient, long_text)
            await output.send_text_with_buttons(recipient, "Pick one:", [
                {"title": "Rides to work", "payload": long_payload},
                {"title": "Timeframe", "payload": '/ask_job_vs_career{"aspect": "timeframe"}'}])
            await output.send_image_url(recipient, "https://example.org/map.png")
            await output.send_custom_json(recipient, {"text": "<b>Open today</b>", "parse_mode": "HTML"})
            await output.send_custom_json(recipient, {"widget_card": {"title": "for the website"}})
        finally:
            await output.api.close()

    asyncio.run(send_all())

    calls = lone_bot_api.calls()
    assert [c.status for c in calls] == [200] * len(calls)  # Telegram would take all of them
    assert [c.method for c in calls] == ["sendMessage"] * 3 + ["sendPhoto", "sendMessage"]
    first, second, pick, custom = [c.params for c in calls if c.method == "sendMessage"]
    assert first["text"] + "\n" + second["text"] == long_text  # cut between lines, nothing lost
    # Too long for callback data: the button sends its title, which the assistant understands.
    assert keyboard_buttons(pick) == [
        {"text": "Rides to work", "callback_data": "Rides to work"},
        {"text": "Timeframe", "callback_data": '/ask_job_vs_career{"aspect":"timeframe"}'}]
    assert custom == {"chat_id": chat, "text": "<b>Open today</b>", "parse_mode": "HTML"}


# --- `make telegram-webhook` ---------------------------------------------------------------------

def run_webhook_cli(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-m", "careerbot.telegram_webhook"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def lone_bot_api():
    """A fake Bot API of its own, for tests that do not need the assistant."""
    fake = FakeTelegramBotApi(BOT_TOKEN).start()
    yield fake
    fake.stop()


def cli_env(fake: FakeTelegramBotApi, **overrides) -> dict:
    env = {"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET_TOKEN,
           "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
           "TELEGRAM_API_BASE_URL": fake.base_url}
    env.update(overrides)
    return env


def test_webhook_cli_registers_the_webhook_with_the_secret_token(lone_bot_api):
    result = run_webhook_cli(cli_env(lone_bot_api))

    assert result.returncode == 0, result.stderr
    assert "Telegram webhook set: https://bot.example.org/webhooks/telegram/webhook" in result.stdout
    [call] = lone_bot_api.calls("setWebhook")
    assert call.params == {"url": "https://bot.example.org/webhooks/telegram/webhook",
                           "secret_token": SECRET_TOKEN,
                           "allowed_updates": ["message", "edited_message", "callback_query"]}
    assert BOT_TOKEN not in result.stdout + result.stderr


def test_webhook_cli_reports_telegrams_refusal_without_showing_the_token(lone_bot_api):
    result = run_webhook_cli(cli_env(lone_bot_api, TELEGRAM_BOT_TOKEN="999:revoked-token"))

    assert result.returncode == 1
    assert "Telegram refused the webhook: Unauthorized" in result.stderr
    assert "999:revoked-token" not in result.stdout + result.stderr


@pytest.mark.parametrize("overrides, expected", [
    ({"TELEGRAM_WEBHOOK_URL": ""}, "TELEGRAM_WEBHOOK_URL must be the public https://"),
    ({"TELEGRAM_WEBHOOK_URL": "http://bot.example.org/webhooks/telegram/webhook"},
     "TELEGRAM_WEBHOOK_URL must be the public https://"),
    ({"TELEGRAM_SECRET_TOKEN": ""}, "TELEGRAM_SECRET_TOKEN is not set"),
    ({"TELEGRAM_SECRET_TOKEN": "has spaces!"}, "TELEGRAM_SECRET_TOKEN must be 1-256 characters"),
    ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
])
def test_webhook_cli_explains_missing_or_bad_settings(lone_bot_api, overrides, expected):
    result = run_webhook_cli(cli_env(lone_bot_api, **overrides))

    assert result.returncode == 2
    assert expected in result.stderr
    assert lone_bot_api.calls() == []


def test_a_slow_telegram_api_does_not_hold_up_the_websites_visitors(assistant, bot_api):
    """Telegram turns wait for Telegram's API while they reply; they take none of the turn
    slots the website's turns queue for (connectors/turn_queue.py, 4 by default)."""
    bot_api.answer_delay_seconds = 2.0
    deliveries = []

    def deliver_update(number: int) -> None:
        update = sample("update_message_text.json")
        update["update_id"] = 20_000 + number
        for person in (update["message"]["chat"], update["message"]["from"]):
            person["id"] = PERSON + 100 + number
        deliveries.append(send_update(assistant, update).status)

    telegram_people = [threading.Thread(target=deliver_update, args=(n,)) for n in range(6)]
    try:
        for person in telegram_people:
            person.start()
        time.sleep(0.5)  # their turns are under way, waiting for Telegram
        started = time.monotonic()
        replies = assistant.send("website-visitor-" + uuid.uuid4().hex[:6], "hi")
        website_wait = time.monotonic() - started
    finally:
        bot_api.answer_delay_seconds = 0.0
        for person in telegram_people:
            person.join(timeout=60)
    assert replies and website_wait < 1.0  # not behind six turns waiting 2 s for Telegram
    assert deliveries == [200] * 6


# --- conversations of their own ------------------------------------------------------------------

def wait_until_stored(assistant, text: str) -> set:
    """The conversations holding `text`, once the turn that said it has been stored."""
    deadline = time.monotonic() + 30
    while not assistant.conversations_with(text):
        assert time.monotonic() < deadline, f"{text!r} was not stored"
        time.sleep(0.2)
    return assistant.conversations_with(text)


def test_a_rest_client_cannot_write_into_a_telegram_or_slack_conversation(services, bot_api):
    """Conversation ids are namespaced by channel (careerbot/conversation_ids.py): a REST client
    that names a Telegram chat or a Slack user, bare or with the channel's prefix, as its sender
    writes into a conversation of its own, not into theirs."""
    assistant, slack_api = services.assistant, services.slack_api
    marker = uuid.uuid4().hex[:8]
    chat_id, user = str(10 ** 9 + uuid.uuid4().int % 10 ** 9), "U" + marker.upper()

    update = sample("update_message_text.json")
    update["update_id"] = 40_000
    update["message"]["text"] = f"telegram person {marker}"
    update["message"]["chat"]["id"] = update["message"]["from"]["id"] = int(chat_id)
    assert send_update(assistant, update).status == 200
    event = json.loads((SAMPLES / "slack" / "event_callback_message_channels.json").read_text())
    event["event"].update(text=f"slack person {marker}", user=user)
    event["event_id"] = "Ev" + marker.upper()
    body = json.dumps(event).encode()
    assert deliver(f"{assistant.url}/webhooks/slack/webhook", body,
                   signed_headers(SLACK_SECRET, body)).status == 200
    people = wait_until_stored(assistant, f"telegram person {marker}") | \
        wait_until_stored(assistant, f"slack person {marker}")

    telegram_sent, slack_posted = len(bot_api.sent_messages()), len(slack_api.posted())
    namespaced = {conversation_id("telegram", chat_id), conversation_id("slack", user)}
    for sender in (chat_id, user, *namespaced):
        assert assistant.send(sender, f"rest client {marker}")  # answered, in its own conversation
    assert not assistant.conversations_with(f"rest client {marker}") & people
    assert people == namespaced
    time.sleep(1)  # nor do the REST client's replies reach Telegram or Slack
    assert (len(bot_api.sent_messages()), len(slack_api.posted())) == (telegram_sent, slack_posted)
