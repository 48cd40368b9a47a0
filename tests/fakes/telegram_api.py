"""A fake Telegram Bot API (https://core.telegram.org/bots/api) on 127.0.0.1, recording calls.

Requests are `POST /bot<token>/<method>` with JSON or form parameters; answers are
{"ok": true, "result": ...} or {"ok": false, "error_code": ..., "description": ...}, as Telegram's.
It checks what Telegram checks for the methods the assistant uses (sendMessage,
answerCallbackQuery, sendPhoto, setWebhook), so a message Telegram would refuse fails here too.
`delivery_headers` gives the headers of Telegram's webhook deliveries to the assistant.
"""
from __future__ import annotations

import itertools
import json
import re
import time
from typing import Dict, Optional, Tuple

from tests.fakes.http_fake import FakeApiServer

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _error(code: int, description: str) -> Tuple[int, dict]:
    return code, {"ok": False, "error_code": code, "description": description}


def _ok(result) -> Tuple[int, dict]:
    return 200, {"ok": True, "result": result}


def _json_field(value):
    """Form-encoded calls carry objects (reply_markup...) as JSON strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _keyboard_problem(markup) -> Optional[str]:
    if markup is None:
        return None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return "Bad Request: can't parse reply keyboard markup JSON object"
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not button.get("text"):
            return "Bad Request: can't parse inline keyboard button: Text buttons are unallowed"
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= 64:
            return "Bad Request: BUTTON_DATA_INVALID"
        if data is None and not button.get("url"):
            return "Bad Request: can't parse inline keyboard button: button has no action"
    return None


class FakeTelegramBotApi(FakeApiServer):
    def __init__(self, token: str, port: int = 0) -> None:
        super().__init__(port)
        self.token = token
        self._message_ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL points at."""
        return f"http://127.0.0.1:{self.port}"

    def answer(self, path: str, headers: Dict[str, str], params: dict) -> Tuple[str, int, dict]:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path.split("?")[0])
        if not match:
            return path, *_error(404, "Not Found")
        token, method = match.groups()
        if token != self.token:
            return method, *_error(401, "Unauthorized")
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return method, *_error(404, "Not Found: method not found")
        return method, *handler(params)

    def sent_messages(self):
        """The sendMessage calls that Telegram accepted, as their parameters."""
        return [c.params for c in self.calls("sendMessage") if c.status == 200]

    # --- methods ---------------------------------------------------------------------------
    def _sendMessage(self, params: dict) -> Tuple[int, dict]:  # noqa: N802 (Bot API names)
        if params.get("chat_id") in (None, ""):
            return _error(400, "Bad Request: chat_id is empty")
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        problem = _keyboard_problem(_json_field(params.get("reply_markup")))
        if problem:
            return _error(400, problem)
        return _ok({"message_id": next(self._message_ids), "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": text})

    def _sendPhoto(self, params: dict) -> Tuple[int, dict]:  # noqa: N802
        if params.get("chat_id") in (None, "") or not params.get("photo"):
            return _error(400, "Bad Request: there is no photo in the request")
        return _ok({"message_id": next(self._message_ids), "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private"},
                    "photo": [{"file_id": "fake", "file_unique_id": "fake", "width": 1,
                               "height": 1}]})

    def _answerCallbackQuery(self, params: dict) -> Tuple[int, dict]:  # noqa: N802
        if not params.get("callback_query_id"):
            return _error(400, "Bad Request: query is too old and response timeout expired "
                               "or query ID is invalid")
        return _ok(True)

    def _setWebhook(self, params: dict) -> Tuple[int, dict]:  # noqa: N802
        url = params.get("url", "")
        if not url.startswith("https://"):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            return _error(400, "Bad Request: secret token contains unallowed characters")
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}


SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def delivery_headers(secret_token: Optional[str]) -> Dict[str, str]:
    """The headers Telegram sends with each update to a webhook set with `secret_token`."""
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers[SECRET_TOKEN_HEADER] = secret_token
    return headers
