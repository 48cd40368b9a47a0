"""A fake Slack Web API (https://api.slack.com/web) on 127.0.0.1, recording calls.

Requests are `POST /api/<method>` with `Authorization: Bearer <token>`; answers are HTTP 200 with
{"ok": true, ...} or {"ok": false, "error": "<code>"}, as Slack's. It checks what Slack checks
for the methods the assistant uses (chat.postMessage with Block Kit limits, auth.test).
`signed_headers` signs a delivery to the assistant the way Slack does.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from typing import Dict, List, Optional, Tuple

from tests.fakes.http_fake import FakeApiServer, RecordedCall

BOT_USER_ID = "U0FAKEBOT1"
BOT_ID = "B0FAKEBOT1"


def _blocks_problem(blocks) -> Optional[str]:
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    for block in blocks:
        if not isinstance(block, dict) or "type" not in block:
            return "invalid_blocks"
        if block["type"] == "section":
            text = block.get("text") or {}
            if text.get("type") not in ("mrkdwn", "plain_text") or not 0 < len(text.get("text", "")) <= 3000:
                return "invalid_blocks"
        if block["type"] == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= 25:
                return "invalid_blocks"
            action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
            if len(action_ids) != len(set(action_ids)):
                return "invalid_blocks"
            for element in elements:
                label = element.get("text") or {}
                if element.get("type") != "button" or label.get("type") != "plain_text" \
                        or not 0 < len(label.get("text", "")) <= 75 \
                        or len(element.get("value", "")) > 2000:
                    return "invalid_blocks"
    return None


class FakeSlackWebApi(FakeApiServer):
    def __init__(self, token: str, port: int = 0) -> None:
        super().__init__(port)
        self.token = token
        self._ts = itertools.count(100)

    @property
    def base_url(self) -> str:
        """What SLACK_API_BASE_URL points at."""
        return f"http://127.0.0.1:{self.port}/api/"

    def answer(self, path: str, headers: Dict[str, str], params: dict) -> Tuple[str, int, dict]:
        method = path.split("?")[0].rsplit("/", 1)[-1]
        authorization = headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return method, 200, {"ok": False, "error": "not_authed"}
        if authorization != f"Bearer {self.token}":
            return method, 200, {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return method, 200, {"ok": True, "url": "https://careerbot-test.slack.com/",
                                 "team": "Career Test", "user": "careerbot",
                                 "team_id": "T123ABC456", "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        if method == "chat.postMessage":
            return method, 200, self._post_message(params)
        return method, 200, {"ok": False, "error": "unknown_method"}

    def _post_message(self, params: dict) -> dict:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        problem = _blocks_problem(params.get("blocks"))
        if problem:
            return {"ok": False, "error": problem}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        # How Slack stores a message posted with a bot token: the bot's ids, no subtype.
        message = {"type": "message", "bot_id": BOT_ID, "app_id": "A123ABC456",
                   "user": BOT_USER_ID, "text": params.get("text", ""), "ts": ts}
        for field in ("blocks", "thread_ts"):
            if params.get(field):
                message[field] = params[field]
        return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}

    def posted(self, channel: Optional[str] = None) -> List[RecordedCall]:
        """The chat.postMessage calls Slack accepted, optionally only those to `channel`.

        `.params` is what the assistant sent, `.answer["message"]` the message as Slack stored it.
        """
        return [c for c in self.calls("chat.postMessage")
                if c.answer.get("ok") and (channel is None or c.params.get("channel") == channel)]

    def wait_for_post(self, text_containing: str, timeout: float = 30) -> RecordedCall:
        """Wait for an accepted chat.postMessage whose text contains `text_containing`."""
        def matching(calls: List[RecordedCall]) -> List[RecordedCall]:
            return [c for c in calls if c.method == "chat.postMessage" and c.answer.get("ok")
                    and text_containing in c.params.get("text", "")]
        return matching(self.wait_for(lambda calls: bool(matching(calls)), timeout))[0]


def signed_headers(signing_secret: str, body: bytes, content_type: str = "application/json",
                   timestamp: Optional[int] = None) -> Dict[str, str]:
    """The headers Slack sends with a request: v0 signature over "v0:{timestamp}:{body}"."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(signing_secret.encode(), f"v0:{timestamp}:".encode() + body,
                      hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": f"v0={digest}"}
