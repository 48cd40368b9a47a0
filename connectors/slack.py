"""Slack channel: Rasa 3.6's SlackInput with its settings from the environment, made safe.

On top of Rasa's connector (whose text clean-up and interactive-payload parsing are reused):
- every request, events and button clicks alike, must carry a valid X-Slack-Signature made with
  the signing secret over the raw body, with an X-Slack-Request-Timestamp at most 5 minutes from
  the server's clock (replay window); anything else gets 401 and is not looked at further;
- url_verification is answered with its challenge;
- Slack delivers an event again when it did not get an answer in time (X-Slack-Retry-Num), for
  any reason. An event is handled once per event_id: a TTL cache of event ids answers "seen
  already". With REDIS_URL set the cache is in Redis, shared by every Rasa instance (a
  multi-instance deployment needs that: a retry may reach another instance); otherwise it is in
  memory. A retry that gets past the cache (the cache was lost in a restart) is still not handled
  twice: Rasa records the event id as the message id, and a retry whose id is already in the
  conversation is dropped;
- bot messages (bot_id, subtype bot_message), edits (message_changed) and other non-message
  subtypes, and the bot's own messages (user == the bot user, from the event's authorizations or
  auth.test) are ignored, so the bot never answers itself;
- buttons are Block Kit: a section with the text and an actions block of buttons whose value is
  the Rasa payload. Clicks come back as form-encoded `payload=` block_actions to the same path;
- replies go to the channel of the message. With SLACK_REPLY_IN_THREAD=true they start a thread
  under the person's message; a message written in a thread is always answered in that thread;
- each Slack user has a conversation of their own, `slack:<user id>`
  (careerbot/conversation_ids.py), which no other channel can write into.

The reply is sent in the background: Slack wants the HTTP answer within 3 seconds.
Nothing here logs message text or user ids.

Settings: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (required), SLACK_API_BASE_URL (default
https://slack.com/api/), SLACK_REPLY_IN_THREAD (true|false, default false), REDIS_URL (optional).
"""
from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Union

import aiohttp
import redis.asyncio
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from rasa.shared.core.events import UserUttered
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from careerbot.conversation_ids import conversation_id, id_in_channel
from connectors.turn_failure import reporting_failures

logger = logging.getLogger(__name__)
# slack_sdk logs whole request and response bodies (message text) at DEBUG; give it a logger that
# never goes below INFO, even when Rasa runs with --debug.
_web_api_logger = logging.getLogger(__name__ + ".web_api")
_web_api_logger.setLevel(logging.INFO)

DEFAULT_API_BASE_URL = "https://slack.com/api/"
# slack_sdk's SignatureVerifier refuses requests further than this from the clock; used here only
# to tell a stale request from a forged one.
REPLAY_WINDOW_SECONDS = 5 * 60
MAX_BUTTONS_PER_ACTIONS_BLOCK = 25  # Block Kit limits
MAX_BUTTON_TEXT = 75
MAX_SECTION_TEXT = 3000
# Message subtypes that are a person writing; all others (bot_message, message_changed,
# message_deleted, channel_join...) are not answered.
PERSON_MESSAGE_SUBTYPES = (None, "thread_broadcast")


class _CallableClock(Clock):
    """slack_sdk's Clock reading a time function (time.time, or a fixed time in tests)."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class SlackSignatureVerifier:
    """slack_sdk's SignatureVerifier (Slack's v0 signing and its 5-minute replay window), plus
    why a request is refused, which the 401 answer names."""

    def __init__(self, signing_secret: Text, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._sdk_verifier = SignatureVerifier(signing_secret, clock=_CallableClock(clock))

    def problem(self, timestamp: Optional[Text], signature: Optional[Text],
                body: bytes) -> Optional[Text]:
        """Why the request is not verifiably from Slack, or None when it is."""
        # slack_sdk raises on an empty or non-numeric timestamp: those are refused first.
        if not timestamp or not signature:
            return "the X-Slack-Request-Timestamp and X-Slack-Signature headers are required"
        try:
            sent_at = int(timestamp)
        except ValueError:
            return "X-Slack-Request-Timestamp is not a Unix time"
        try:
            if self._sdk_verifier.is_valid(body, timestamp, signature):
                return None
        except (UnicodeDecodeError, TypeError):
            # slack_sdk decodes the body as UTF-8 and compares the signatures as str, which raises
            # on a body that is not UTF-8 and on a non-ASCII signature: neither comes from Slack.
            return "X-Slack-Signature does not match the request"
        if abs(self._clock() - sent_at) > REPLAY_WINDOW_SECONDS:
            return "X-Slack-Request-Timestamp is more than 5 minutes away from the server's clock"
        return "X-Slack-Signature does not match the request"


class InMemoryEventIds:
    """Event ids seen in the last `ttl` seconds, at most `max_size` of them (oldest go first)."""

    def __init__(self, ttl: float = 3600, max_size: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._max_size = max_size
        self._clock = clock
        self._expiry: "OrderedDict[Text, float]" = OrderedDict()

    async def first_delivery(self, event_id: Text) -> bool:
        """True the first time `event_id` is offered within the TTL, False afterwards."""
        now = self._clock()
        while self._expiry and next(iter(self._expiry.values())) <= now:
            self._expiry.popitem(last=False)
        if event_id in self._expiry:
            return False
        self._expiry[event_id] = now + self._ttl
        if len(self._expiry) > self._max_size:
            self._expiry.popitem(last=False)
        return True

    async def close(self) -> None:
        """Nothing to release."""


class RedisEventIds:
    """Event ids seen in the last `ttl` seconds, in Redis, shared by all Rasa instances."""

    KEY_PREFIX = "careerbot:slack:event:"

    def __init__(self, url: Text, ttl: int = 3600) -> None:
        self._redis = redis.asyncio.Redis.from_url(url)
        self._ttl = ttl

    async def first_delivery(self, event_id: Text) -> bool:
        # SET NX is atomic: of two instances receiving the same event, exactly one wins.
        return bool(await self._redis.set(self.KEY_PREFIX + event_id, 1, nx=True, ex=self._ttl))

    async def close(self) -> None:
        await self._redis.close()


def _slack_escape(text: Text) -> Text:
    """Slack reads &, < and > as markup (<!channel> notifies everyone): send them as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shorten(text: Text, limit: int) -> Text:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _button_blocks(text: Text, buttons: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The text as a section, then the buttons in actions blocks (value = Rasa payload)."""
    blocks: List[Dict[Text, Any]] = []
    if text.strip():
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": _shorten(_slack_escape(text), MAX_SECTION_TEXT)}})
    for start in range(0, len(buttons), MAX_BUTTONS_PER_ACTIONS_BLOCK):
        chunk = buttons[start:start + MAX_BUTTONS_PER_ACTIONS_BLOCK]
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": f"rasa_button_{start + index}",
             "text": {"type": "plain_text", "text": _shorten(button["title"], MAX_BUTTON_TEXT)},
             "value": button["payload"]}
            for index, button in enumerate(chunk)]})
    return blocks


class SlackOutput(OutputChannel):
    """Posts Rasa's responses with chat.postMessage to one channel (and thread, if any)."""

    @classmethod
    def name(cls) -> Text:
        return "slack"

    def __init__(self, client: AsyncWebClient, channel: Optional[Text] = None,
                 thread_ts: Optional[Text] = None) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts

    async def _post(self, recipient_id: Text, **message: Any) -> None:
        # Without a channel (a message Rasa starts itself), a user id as channel means the DM.
        channel = self.channel or id_in_channel(self.name(), recipient_id)
        try:
            await self.client.chat_postMessage(channel=channel, thread_ts=self.thread_ts, **message)
        except SlackApiError as error:
            logger.warning("Slack chat.postMessage failed: %s", error.response.get("error"))
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning("Slack chat.postMessage failed: %s", type(error).__name__)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._post(recipient_id, text=_slack_escape(text))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        # `text` is what notifications and screen readers use when there are blocks.
        await self._post(recipient_id, text=_slack_escape(text),
                         blocks=_button_blocks(text, buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._post(recipient_id, text=image,
                         blocks=[{"type": "image", "image_url": image, "alt_text": image}])

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        # Sent when it is a Slack message (text or blocks); payloads made for other channels
        # (the web widget) would only show a person raw JSON, so they are not.
        if json_message.get("text") or json_message.get("blocks"):
            fields = {k: v for k, v in json_message.items() if k not in ("channel", "thread_ts")}
            await self._post(recipient_id, **fields)
        else:
            logger.debug("Custom payload without text or blocks not sent to Slack.")


def _env_flag(env: Dict[Text, Text], name: Text) -> bool:
    value = env.get(name, "").strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise InvalidConfigException(f"{name} must be true or false.")


class SlackInput(RasaSlackInput):
    """Rasa's `slack` channel, with the settings from the environment (see module docstring)."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SlackInput":
        # credentials.yml lists this channel without credentials: secrets stay in the environment.
        env = dict(os.environ)
        missing = [name for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET") if not env.get(name)]
        if missing:
            raise InvalidConfigException(
                f"Slack channel: {' and '.join(missing)} not set. The signing secret is required: "
                "without it anyone could post messages in any user's name.")
        event_ids = RedisEventIds(env["REDIS_URL"]) if env.get("REDIS_URL") else InMemoryEventIds()
        return cls(bot_token=env["SLACK_BOT_TOKEN"], signing_secret=env["SLACK_SIGNING_SECRET"],
                   api_base_url=env.get("SLACK_API_BASE_URL") or DEFAULT_API_BASE_URL,
                   reply_in_thread=_env_flag(env, "SLACK_REPLY_IN_THREAD"), event_ids=event_ids)

    def __init__(self, bot_token: Text, signing_secret: Text, api_base_url: Text,
                 reply_in_thread: bool, event_ids: Union[InMemoryEventIds, RedisEventIds]) -> None:
        super().__init__(slack_token=bot_token, slack_signing_secret=signing_secret,
                         use_threads=reply_in_thread)
        self.verifier = SlackSignatureVerifier(signing_secret)
        self.event_ids = event_ids
        # slack_sdk opens a fresh HTTP session per call: nothing is tied to an event loop.
        self.client = AsyncWebClient(bot_token, base_url=api_base_url, logger=_web_api_logger)
        self._bot_user_id_from_auth_test: Optional[Text] = None

    def get_output_channel(self, channel: Optional[Text] = None,
                           thread_id: Optional[Text] = None) -> SlackOutput:
        return SlackOutput(self.client, channel, thread_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = Blueprint("slack_webhook", __name__)
        # Turns run in the background, where nobody else would see a failure: the person is told.
        # Not queued (connectors/turn_queue.py): the replies go out to Slack's API during the
        # turn, and a slow or unreachable API must not hold up the website's visitors.
        on_new_message = reporting_failures(on_new_message, queued=False)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @slack_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            problem = self.verifier.problem(request.headers.get("X-Slack-Request-Timestamp"),
                                            request.headers.get("X-Slack-Signature"),
                                            request.body or b"")
            if problem:
                return response.text(f"Not a verified Slack request: {problem}.", status=401)
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type == "application/json":
                return await self._receive_event(request, on_new_message)
            if content_type == "application/x-www-form-urlencoded":
                return await self._receive_interaction(request, on_new_message)
            return response.text("Expected a JSON event or a form-encoded interaction payload.",
                                 status=415)

        @slack_webhook.listener("after_server_stop")
        async def close_event_ids(*_: Any) -> None:
            await self.event_ids.close()

        return slack_webhook

    async def _receive_event(self, request: Request,
                             on_new_message: Callable[[UserMessage], Awaitable[Any]]
                             ) -> HTTPResponse:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return response.text("The body must be a JSON object.", status=400)
        if body.get("type") == "url_verification":
            return response.json({"challenge": body.get("challenge")})
        event = body.get("event")
        if body.get("type") != "event_callback" or not isinstance(event, dict):
            return response.text("Ignored: not an event callback.")
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            return response.text("An event_callback must have an event_id.", status=400)

        bot_user_id = await self._bot_user_id(body)
        if not self._is_from_a_person(event, bot_user_id):
            return response.text("Ignored: not a person's message.")
        if not await self._first_delivery(event_id):
            logger.info("Slack delivered event %s again (retry %s, %s); handled once already.",
                        event_id, request.headers.get("X-Slack-Retry-Num", "-"),
                        request.headers.get("X-Slack-Retry-Reason", "-"))
            return response.text("Already handled.", headers={"X-Slack-No-Retry": "1"})

        text = html.unescape(self._sanitize_user_message(
            event["text"], [bot_user_id] if bot_user_id else []))
        thread_ts = event.get("thread_ts") or (event.get("ts") if self.use_threads else None)
        message = UserMessage(text, self.get_output_channel(event["channel"], thread_ts),
                              conversation_id(self.name(), event["user"]),
                              input_channel=self.name(), message_id=event_id)
        is_retry = "X-Slack-Retry-Num" in request.headers
        self._in_background(self._handle(message, on_new_message,
                                         request.app.ctx.agent if is_retry else None))
        return response.text("")

    async def _receive_interaction(self, request: Request,
                                   on_new_message: Callable[[UserMessage], Awaitable[Any]]
                                   ) -> HTTPResponse:
        try:
            payload = json.loads(request.form.get("payload") or "")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return response.text("The form field `payload` must hold the interaction JSON.",
                                 status=400)
        if payload.get("type") != "block_actions" or not self._is_interactive_message(payload):
            return response.text("Ignored: not a button click.")
        text = self._get_interactive_response(payload["actions"][0])
        user_id = (payload.get("user") or {}).get("id")
        container = payload.get("container") or {}
        channel = (payload.get("channel") or {}).get("id") or container.get("channel_id")
        if not text or not user_id or not channel:
            return response.text("Ignored: the click carries no value.")  # e.g. a link button
        clicked = payload.get("message") or {}
        thread_ts = clicked.get("thread_ts") or (
            container.get("message_ts") if self.use_threads else None)
        message = UserMessage(text, self.get_output_channel(channel, thread_ts),
                              conversation_id(self.name(), user_id), input_channel=self.name())
        self._in_background(self._handle(message, on_new_message, None))
        return response.text("")

    def _in_background(self, coroutine: Awaitable[None]) -> None:
        # Keep a reference (Rasa's set): asyncio only holds weak references to tasks.
        task = asyncio.ensure_future(coroutine)
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)

    async def _handle(self, message: UserMessage,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      agent_for_retry_check: Any) -> None:
        if agent_for_retry_check is not None and await self._already_in_conversation(
                agent_for_retry_check, message):
            logger.info("Slack retried an event already in the conversation; not handled again.")
            return
        await on_new_message(message)

    @staticmethod
    async def _already_in_conversation(agent: Any, message: UserMessage) -> bool:
        tracker = await agent.tracker_store.retrieve(message.sender_id)
        return tracker is not None and any(
            isinstance(event, UserUttered) and event.message_id == message.message_id
            for event in tracker.events)

    async def _first_delivery(self, event_id: Text) -> bool:
        try:
            return await self.event_ids.first_delivery(event_id)
        except (redis.RedisError, OSError) as error:
            # Better to risk answering twice than not at all.
            logger.warning("Slack event-id cache unavailable (%s); handling the event.",
                           type(error).__name__)
            return True

    async def _bot_user_id(self, body: Dict[Text, Any]) -> Optional[Text]:
        """The bot's own user id: from the event's bot authorization, else auth.test (cached)."""
        for authorization in body.get("authorizations") or []:
            if isinstance(authorization, dict) and authorization.get("is_bot") \
                    and authorization.get("user_id"):
                return authorization["user_id"]
        if self._bot_user_id_from_auth_test is None:
            try:
                identity = await self.client.auth_test()
                self._bot_user_id_from_auth_test = identity.get("user_id")
            except SlackApiError as error:
                logger.warning("Slack auth.test failed: %s", error.response.get("error"))
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.warning("Slack auth.test failed: %s", type(error).__name__)
        return self._bot_user_id_from_auth_test

    @staticmethod
    def _is_from_a_person(event: Dict[Text, Any], bot_user_id: Optional[Text]) -> bool:
        text = event.get("text")
        return (event.get("type") == "message"
                and event.get("subtype") in PERSON_MESSAGE_SUBTYPES
                and not event.get("bot_id")
                and bool(event.get("user")) and event.get("user") != bot_user_id
                and isinstance(text, str) and bool(text.strip())
                and bool(event.get("channel")))
