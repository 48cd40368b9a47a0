"""Rasa's REST channel with the answers a client needs when something is wrong.

Rasa 3.6's RestInput answers a body that is not a JSON object with a 500, passes a missing
message or a non-string sender on to the bot, stores a sender id of any length (PostgreSQL then
refuses it with a 500), and when a turn fails it logs the message text and answers 200 with no
replies, so the client cannot tell that its message was lost. Here a malformed request gets a 400
that says what is wrong, and a turn that could not be handled (and so was not saved) gets a 503
asking the client to send it again.

Rasa's channel also lets a client write into any conversation, whatever channel it is on, by
naming its sender id, and takes a body of any Content-Type. A form or text/plain POST is a CORS
"simple request": a browser sends it from any web page without asking the server first, so any
site could make its visitors' browsers talk to the bot. Here a sender's conversation is the REST
channel's own (`rest:<sender>`, careerbot/conversation_ids.py), and only `application/json` is
taken (415 otherwise), which a page on another origin can send only after a CORS preflight that
only the configured origins pass (`rasa run --cors`). With REST_CHANNEL_TOKEN set, every request
must carry it (`Authorization: Bearer <token>`, 401 otherwise); the production profile runs the
channel only then.

Each sender, at each address, has its own rate limit on the messages it sends before its previous
one is answered (careerbot/rate_limit.py, CHANNEL_RATE_PER_MINUTE and CHANNEL_RATE_BURST): a
message over it is not handled and gets a 429 with Retry-After. With the address in the key, a
client that floods under another's sender id uses up only its own allowance. (Behind nginx every
request comes from nginx's address; there the channel needs REST_CHANNEL_TOKEN, which only
trusted clients hold, and nginx limits each address.)

Same name and route as Rasa's (`rest`, /webhooks/rest/webhook). Streaming replies (`?stream=true`)
are not offered.
"""
from __future__ import annotations

import math
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from careerbot.conversation_ids import conversation_id
from careerbot.rate_limit import SLOW_DOWN_NOTE, RateLimiter
from careerbot.settings import (ChannelRateLimit, SettingsError, carries_bearer_token,
                                channel_rate_limit, rest_channel_token)
from careerbot.text_input import MAX_MESSAGE_CHARS, MAX_SENDER_ID_CHARS, clean_message_text
from connectors.turn_failure import NOT_SAVED_NOTE, handle_turn

CHANNEL = "rest"
# The conversation id, channel prefix and all, must fit the database's column.
MAX_SENDER_CHARS = MAX_SENDER_ID_CHARS - len(conversation_id(CHANNEL, ""))


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        # The token is a secret: it comes from the environment, never from credentials.yml.
        try:
            return cls(rest_channel_token(), channel_rate_limit())
        except SettingsError as error:
            raise InvalidConfigException(f"REST channel: {error}.") from None

    def __init__(self, token: Text, limit: ChannelRateLimit) -> None:
        self.token = token
        self.limiter = RateLimiter(limit.per_minute, limit.burst)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest_webhook = Blueprint("rest_webhook", __name__)

        @rest_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.token and not carries_bearer_token(request.headers.get("Authorization", ""), self.token):
                return response.json({"error": "This REST channel needs its token: "
                                               "Authorization: Bearer <REST_CHANNEL_TOKEN>."},
                                     status=401, headers={"WWW-Authenticate": "Bearer"})
            if _media_type(request) != "application/json":
                return response.json({"error": "The body must be JSON, sent with "
                                               "Content-Type: application/json."}, status=415)
            body, problem = _parse(request)
            if problem:
                return response.json({"error": problem}, status=400)
            client = (request.ip, body["sender"])
            wait = self.limiter.admit(client)
            if wait:
                return response.json({"error": SLOW_DOWN_NOTE}, status=429,
                                     headers={"Retry-After": str(math.ceil(wait))})
            collector = CollectingOutputChannel()
            message = UserMessage(clean_message_text(body["message"]), collector,
                                  conversation_id(self.name(), body["sender"]),
                                  input_channel=self.name(), metadata=body.get("metadata"))
            try:
                handled = await handle_turn(on_new_message, message)
            finally:
                self.limiter.finished(client)
            if not handled:
                return response.json({"error": NOT_SAVED_NOTE}, status=503,
                                     headers={"Retry-After": "30"})
            # Addressed to the sender the client named, as by Rasa's channel.
            return response.json([dict(reply, recipient_id=body["sender"])
                                  for reply in collector.messages])

        return rest_webhook


def _media_type(request: Request) -> Text:
    return (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def _parse(request: Request) -> tuple:
    """The request's JSON body and None, or None and what is wrong with it."""
    try:
        body = request.load_json()
    except Exception:  # noqa: BLE001 - Sanic raises its own error types for bad JSON
        return None, "The body must be JSON (UTF-8)."
    if not isinstance(body, dict):
        return None, 'The body must be a JSON object with "sender" and "message".'
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return None, f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} characters.'
    if not sender.isprintable():
        return None, '"sender" must not contain control characters.'
    message = body.get("message")
    if not isinstance(message, str):
        return None, '"message" must be a string.'
    if len(message) > MAX_MESSAGE_CHARS:
        return None, f'"message" must be at most {MAX_MESSAGE_CHARS} characters.'
    metadata: Optional[Dict] = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return None, '"metadata" must be a JSON object when given.'
    return body, None
