"""Telegram channel: Rasa 3.6's TelegramInput, made to work behind a webhook with a secret token.

Rasa's connector cannot be used as it is:
- it calls setWebhook while the server starts, so the server does not start without internet.
  Here nothing talks to Telegram at start-up; `make telegram-webhook` (careerbot.telegram_webhook)
  registers the webhook once, with the secret token;
- it sends through aiogram 2.15, whose Bot keeps an aiohttp session made in the event loop Rasa
  uses while loading channels; that loop is closed by the time the first message arrives, so the
  first reply fails. Here the Bot API is called with aiohttp directly
  (POST {TELEGRAM_API_BASE_URL}/bot{token}/{method}), with a session made in the loop that uses it;
- it never checks the X-Telegram-Bot-Api-Secret-Token header, so anyone who knows the URL could
  talk in any chat's name. Here an update without the right secret token gets 403.

What people see: Rasa's buttons come as an inline keyboard; a tap is acknowledged
(answerCallbackQuery) and its payload goes to Rasa. Voice notes, stickers, photos and other
non-text messages get a short note that only text is read. An edited message gets a note asking
for the correction as a new message: answering the edit would repeat an old turn of the
conversation out of place. /start, /help and /restart are the bot's commands; anything else typed
with a leading slash is read as words, so typed text can never set intents or entities.

A tap on a button of an inline-mode message (callback_query without `message`) has no chat to
answer in: the reply goes to the person's private chat with the bot (their user id, `from.id`),
which works once they have started the bot.

The language of the person's Telegram app (`from.language_code`, such as "es" or "en-US") goes
to Rasa as the message's metadata `{"language": code}`, for text messages, commands and button
taps alike: the assistant's language detection uses it when the words alone leave the language
open. Updates without it (it is optional in the Bot API) carry no metadata.

Each chat is a conversation of its own, `telegram:<chat id>` (careerbot/conversation_ids.py), which
no other channel can write into.

Settings, all from the environment (secrets are never in credentials.yml):
TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN (both required), TELEGRAM_BOT_NAME (the bot's
username, to tell commands addressed to it in groups, like /start@CareerBot, from other bots'),
TELEGRAM_API_BASE_URL (default https://api.telegram.org). TELEGRAM_WEBHOOK_URL is only used by
`make telegram-webhook`.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from careerbot.conversation_ids import conversation_id, id_in_channel
from careerbot.language import channel_hint
from careerbot.telegram_webhook import api_base_url, secret_token_problem
from careerbot.text_input import clean_message_text
from connectors.turn_failure import reporting_failures

logger = logging.getLogger(__name__)

SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT_LENGTH = 4096  # sendMessage's limit
MAX_CALLBACK_DATA_BYTES = 64  # InlineKeyboardButton.callback_data's limit

NOT_TEXT_NOTE = ("Sorry, I can only read text messages. Please type your question, or your town "
                 "or ZIP code if I asked for it.")
EDITED_NOTE = ("I only read new messages, so I didn't pick up your edit. Please send the "
               "corrected message again.")
# Message fields that mean a person sent something other than text. Service messages (someone
# joined a group, a pinned message...) have none of these and get no note.
NON_TEXT_CONTENT = ("voice", "audio", "sticker", "photo", "video", "video_note", "animation",
                    "document", "location", "venue", "contact", "poll", "dice")
# The bot's commands, as the Rasa messages they stand for.
COMMANDS = {
    "/start": ["/greet"],
    "/help": ["/ask_capabilities"],
    "/restart": ["/restart", "/greet"],
}
COMMAND_INTENTS = {"/greet", "/ask_capabilities"}


def _mapping(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _language_metadata(sent_by: Any) -> Optional[Dict[Text, Text]]:
    """`{"language": code}` for the person who sent a message or tapped a button (the update's
    `from`), when Telegram tells their app's language; else None."""
    code = _mapping(sent_by).get("language_code")
    if isinstance(code, str) and code.strip():
        return {"language": code.strip()}
    return None


def _in_language(rasa_text: Text, metadata: Optional[Dict[Text, Text]]) -> Text:
    """A command's intent ("/greet" for /start) carries the app's language as an entity: an
    intent payload skips language detection, and the first answer should already be in it."""
    language = channel_hint((metadata or {}).get("language"))
    if language and rasa_text in COMMAND_INTENTS:
        return rasa_text + json.dumps({"language": language})
    return rasa_text


class TelegramBotApi:
    """Calls Bot API methods with aiohttp; failures are logged, never raised to Rasa."""

    def __init__(self, base_url: Text, token: Text) -> None:
        self._base_url = base_url
        self._token = token
        self._session: Optional[aiohttp.ClientSession] = None
        self._session_loop: Optional[asyncio.AbstractEventLoop] = None

    def _current_session(self) -> aiohttp.ClientSession:
        # A session only works in the loop it was made in (what breaks aiogram 2.15 under Rasa),
        # so it is made lazily, and again if the loop has changed.
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
            self._session_loop = loop
        return self._session

    async def call(self, method: Text, **params: Any) -> Optional[Any]:
        """Call `method`; return its result, or None when Telegram or the network fails."""
        url = f"{self._base_url}/bot{self._token}/{method}"
        try:
            async with self._current_session().post(url, json=params) as answer:
                body = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            # Only the type: the exception text may contain the URL, which contains the token.
            logger.warning("Telegram %s failed: %s", method, type(error).__name__)
            return None
        if not isinstance(body, dict) or not body.get("ok"):
            description = body.get("description") if isinstance(body, dict) else "not JSON"
            logger.warning("Telegram %s failed: %s", method, description)
            return None
        return body.get("result")

    async def close(self) -> None:
        if self._session is not None and not self._session.closed \
                and self._session_loop is asyncio.get_running_loop():
            await self._session.close()


def _text_parts(text: Text) -> List[Text]:
    """`text` in pieces Telegram accepts, cut at line breaks where possible."""
    text = text.strip()
    parts = []
    while len(text) > MAX_TEXT_LENGTH:
        cut = text.rfind("\n", 0, MAX_TEXT_LENGTH)
        cut = cut if cut > 0 else MAX_TEXT_LENGTH
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    return parts + [text] if text else parts


def _callback_data(button: Dict[Text, Any]) -> Text:
    """The button's Rasa payload as callback data, within Telegram's 64 bytes."""
    payload = str(button.get("payload") or button.get("title", ""))
    intent, brace, entities = payload.partition("{")
    if payload.startswith("/") and brace:
        try:  # `/intent{"entity": "value"}` without the spaces still reads the same to Rasa
            payload = intent + json.dumps(json.loads(brace + entities), separators=(",", ":"),
                                          ensure_ascii=False)
        except ValueError:
            pass
    if len(payload.encode()) <= MAX_CALLBACK_DATA_BYTES:
        return payload
    logger.warning("A button payload is longer than Telegram's %d bytes; the button sends its "
                   "title instead, which Rasa reads like typed text.", MAX_CALLBACK_DATA_BYTES)
    return str(button.get("title", "")).encode()[:MAX_CALLBACK_DATA_BYTES].decode(errors="ignore")


def _inline_keyboard(buttons: List[Dict[Text, Any]]) -> Dict[Text, Any]:
    """One button a row: titles stay readable on a phone."""
    return {"inline_keyboard": [[{"text": button["title"], "callback_data": _callback_data(button)}]
                                for button in buttons]}


class TelegramOutput(OutputChannel):
    """Sends Rasa's responses to a Telegram chat; the recipient id is the chat's conversation id
    (or the chat id itself)."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, api: TelegramBotApi) -> None:
        self.api = api

    def _chat_id(self, recipient_id: Text) -> Text:
        return id_in_channel(self.name(), recipient_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in _text_parts(text):
            await self.api.call("sendMessage", chat_id=self._chat_id(recipient_id), text=part)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        parts = _text_parts(text) or ["Please choose:"]
        for part in parts[:-1]:
            await self.api.call("sendMessage", chat_id=self._chat_id(recipient_id), text=part)
        await self.api.call("sendMessage", chat_id=self._chat_id(recipient_id), text=parts[-1],
                            reply_markup=_inline_keyboard(buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.api.call("sendPhoto", chat_id=self._chat_id(recipient_id), photo=image)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        # A custom payload is sent when it is a Telegram message (it has "text"); payloads made
        # for other channels (the web widget) would only show a person raw JSON, so they are not.
        if isinstance(json_message.get("text"), str):
            fields = {k: v for k, v in json_message.items() if k != "chat_id"}
            await self.api.call("sendMessage", chat_id=self._chat_id(recipient_id), **fields)
        else:
            logger.debug("Custom payload without text not sent to Telegram.")


class TelegramInput(RasaTelegramInput):
    """Rasa's `telegram` channel, with the settings from the environment (see module docstring)."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        # credentials.yml lists this channel without credentials: secrets stay in the environment.
        env = os.environ
        problems = []
        if not env.get("TELEGRAM_BOT_TOKEN"):
            problems.append("TELEGRAM_BOT_TOKEN is not set")
        secret_problem = secret_token_problem(env.get("TELEGRAM_SECRET_TOKEN"))
        if secret_problem:
            problems.append(secret_problem + "; without it anyone could post updates in any "
                                             "chat's name")
        if problems:
            raise InvalidConfigException("Telegram channel: " + "; ".join(problems) + ".")
        return cls(access_token=env["TELEGRAM_BOT_TOKEN"],
                   secret_token=env["TELEGRAM_SECRET_TOKEN"],
                   bot_name=env.get("TELEGRAM_BOT_NAME") or None,
                   api_base_url=api_base_url(env))

    def __init__(self, access_token: Text, secret_token: Text, bot_name: Optional[Text],
                 api_base_url: Text) -> None:
        super().__init__(access_token=access_token, verify=bot_name, webhook_url=None,
                         debug_mode=False)
        self.secret_token = secret_token
        self.bot_name = (bot_name or "").lstrip("@").lower()
        self.output = TelegramOutput(TelegramBotApi(api_base_url, access_token))

    def get_output_channel(self) -> TelegramOutput:
        return self.output

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        # Not queued (connectors/turn_queue.py): the replies go out to Telegram's API during the
        # turn, and a slow or unreachable API must not hold up the website's visitors.
        on_new_message = reporting_failures(on_new_message, queued=False)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive_update(request: Request) -> HTTPResponse:
            if not self._has_secret_token(request):
                return response.text(f"Forbidden: missing or wrong {SECRET_TOKEN_HEADER} header.",
                                     status=403)
            try:
                update = json.loads(request.body or b"")
            except ValueError:
                update = None
            if not isinstance(update, dict) or "update_id" not in update:
                return response.text("The body must be a Telegram Update (a JSON object with "
                                     "update_id).", status=400)
            try:
                await self._handle_update(update, on_new_message)
            except Exception as error:  # noqa: BLE001
                # Answering 200 anyway: Telegram would otherwise deliver the update again and again.
                logger.error("Telegram update %s could not be handled: %s",
                             update.get("update_id"), type(error).__name__)
            return response.json({"ok": True})

        @telegram_webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            await self.output.api.close()

        return telegram_webhook

    def _has_secret_token(self, request: Request) -> bool:
        sent = request.headers.get(SECRET_TOKEN_HEADER, "")
        return hmac.compare_digest(sent.encode(), self.secret_token.encode())

    async def _handle_update(self, update: Dict[Text, Any],
                             on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        if "callback_query" in update:
            await self._handle_button_tap(_mapping(update["callback_query"]), on_new_message)
        elif "message" in update:
            await self._handle_message(_mapping(update["message"]), on_new_message)
        elif "edited_message" in update:
            chat_id = _mapping(_mapping(update["edited_message"]).get("chat")).get("id")
            if chat_id is not None:
                await self.output.send_text_message(str(chat_id), EDITED_NOTE)
        # Other kinds (channel posts, membership changes) are not conversations: ignored.

    async def _handle_message(self, message: Dict[Text, Any],
                              on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        chat_id = _mapping(message.get("chat")).get("id")
        if chat_id is None:
            return
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            metadata = _language_metadata(message.get("from"))
            for rasa_text in self._as_rasa_messages(text):
                await self._to_rasa(_in_language(rasa_text, metadata), chat_id, on_new_message,
                                    metadata)
        elif any(kind in message for kind in NON_TEXT_CONTENT):
            await self.output.send_text_message(str(chat_id), NOT_TEXT_NOTE)

    async def _handle_button_tap(self, query: Dict[Text, Any],
                                 on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        if query.get("id"):
            # First, so that the button stops showing progress whatever happens next.
            await self.output.api.call("answerCallbackQuery", callback_query_id=query["id"])
        # Inline-mode messages have no chat: answer in the person's private chat (see docstring).
        chat_id = _mapping(_mapping(query.get("message")).get("chat")).get("id")
        if chat_id is None:
            chat_id = _mapping(query.get("from")).get("id")
        data = query.get("data")
        if chat_id is not None and isinstance(data, str) and data:
            await self._to_rasa(data, chat_id, on_new_message,
                                _language_metadata(query.get("from")))

    def _as_rasa_messages(self, text: Text) -> List[Text]:
        """Typed text as Rasa messages: commands become intents, other text stays words."""
        text = text.strip()
        if not text.startswith("/"):
            return [text]
        command, _, rest = text.partition(" ")
        command, _, addressee = command.partition("@")
        if addressee and self.bot_name and addressee.lower() != self.bot_name:
            return []  # a command for another bot in a group chat
        if command.lower() in COMMANDS:
            return COMMANDS[command.lower()]
        words = f"{command[1:]} {rest}".strip()
        return [words] if words else []

    async def _to_rasa(self, text: Text, chat_id: Any,
                       on_new_message: Callable[[UserMessage], Awaitable[Any]],
                       metadata: Optional[Dict[Text, Any]] = None) -> None:
        await on_new_message(UserMessage(clean_message_text(text), self.output,
                                         conversation_id(self.name(), str(chat_id)),
                                         input_channel=self.name(),
                                         # A copy each: /restart is two messages.
                                         metadata=dict(metadata) if metadata else None))
