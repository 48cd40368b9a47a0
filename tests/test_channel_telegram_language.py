"""The Telegram channel tells the assistant the language of the person's Telegram app.

Telegram's updates carry it as `from.language_code` ("es", "en", "pt-br"...), when the person's
app shares it; connectors/telegram.py passes it on as the message's metadata `{"language": code}`,
which the assistant's language detection uses when the words alone leave the language open.
The assistant, the fake Bot API and the helpers are tests/test_channel_telegram.py's (this module
starts its own).
"""
from __future__ import annotations

import re
import uuid
from typing import Optional

from careerbot.conversation_ids import conversation_id
from tests.test_channel_telegram import (  # noqa: F401 (services, assistant, bot_api: fixtures)
    assistant, bot_api, keyboard_buttons, sample, send_update, services)

SPANISH_WORDS = re.compile(r"\b(hola|asistente|trabajo|carrera|ayuda|puedo)\b", re.I)
ENGLISH_GREETING = "career assistant"


def new_chat() -> int:
    """A private chat of its own (and its person's user id): a new conversation."""
    return 10 ** 9 + uuid.uuid4().int % 10 ** 9


def text_update(chat: int, text: str, language_code: Optional[str] = None) -> dict:
    update = sample("update_message_text.json")
    update["update_id"] = 50_000 + chat % 10_000
    update["message"].update(text=text)
    update["message"]["chat"]["id"] = update["message"]["from"]["id"] = chat
    if language_code is not None:
        update["message"]["from"]["language_code"] = language_code
    return update


def tap_update(chat: int, data: str, language_code: str) -> dict:
    """A tap on a button under one of the bot's messages in the private chat `chat`."""
    update = sample("update_callback_query_inline.json")
    query = update["callback_query"]
    del query["inline_message_id"]
    query["from"].update(id=chat, language_code=language_code)
    query.update(id="tap" + uuid.uuid4().hex[:12], data=data, chat_instance="-7412345678901234567",
                 message={"message_id": 1366, "date": 1441645540,
                          "chat": {"id": chat, "type": "private", "first_name": "Test"},
                          "text": "¡Hola!"})
    return update


def user_events(assistant, chat: int) -> list:
    events = assistant.tracker(conversation_id("telegram", str(chat)))["events"]
    return [event for event in events if event["event"] == "user"]


def replies_text(bot_api) -> str:
    return "\n".join(message["text"] for message in bot_api.sent_messages())


def button_titles(bot_api) -> list:
    return [button["text"] for message in bot_api.sent_messages() if "reply_markup" in message
            for button in keyboard_buttons(message)]


def test_hola_from_a_spanish_telegram_app_is_answered_in_spanish(assistant, bot_api):
    chat = new_chat()

    assert send_update(assistant, text_update(chat, "hola", language_code="es")).status == 200

    replies = bot_api.sent_messages()
    assert replies, "hola got no reply"
    assert all(str(message["chat_id"]) == str(chat) for message in replies)
    text = replies_text(bot_api)
    assert SPANISH_WORDS.search(text), text
    assert ENGLISH_GREETING not in text and "Hi!" not in text, text
    # The greeting's buttons are the Spanish ones too.
    assert button_titles(bot_api), "the greeting came without its buttons"
    assert "Job vs. career" not in button_titles(bot_api)
    [hola] = user_events(assistant, chat)
    assert hola["text"] == "hola"
    assert hola["metadata"]["language"] == "es"


def test_a_button_tap_carries_the_language_too(assistant, bot_api):
    chat = new_chat()
    assert send_update(assistant, text_update(chat, "hola", language_code="es")).status == 200
    bot_api.reset()

    answer = send_update(assistant, tap_update(chat, "/ask_job_vs_career", language_code="es"))

    assert answer.status == 200
    assert bot_api.calls()[0].method == "answerCallbackQuery"
    text = replies_text(bot_api)
    assert SPANISH_WORDS.search(text), text
    assert "Five key differences" not in text
    tap = user_events(assistant, chat)[-1]
    assert tap["text"] == "/ask_job_vs_career"
    assert tap["metadata"]["language"] == "es"


def test_without_a_language_code_the_message_carries_no_language(assistant, bot_api):
    chat = new_chat()

    assert send_update(assistant, text_update(chat, "hi")).status == 200

    assert ENGLISH_GREETING in replies_text(bot_api)
    [hi] = user_events(assistant, chat)
    assert "language" not in (hi.get("metadata") or {})


def test_start_from_a_spanish_telegram_app_greets_in_spanish(assistant, bot_api):
    """/start is an intent, which skips language detection: the app's language decides."""
    chat = new_chat()

    assert send_update(assistant, text_update(chat, "/start", language_code="es-MX")).status == 200

    text = replies_text(bot_api)
    assert SPANISH_WORDS.search(text) and ENGLISH_GREETING not in text, text
    assert assistant.tracker(conversation_id("telegram", str(chat)))["slots"]["language"] == "es"
