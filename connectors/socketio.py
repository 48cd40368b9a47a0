"""Rasa's socket.io channel for the website chat widget, made safe and working.

Five things are wrong with `rasa.core.channels.socketio.SocketIOInput` as Rasa 3.6 ships it:

1. It accepts a connection from any origin (it turns engine.io's origin check off), so any web
   page could open a chat in a visitor's name. Here only the office's configured origins
   (WIDGET_ALLOWED_ORIGINS, see careerbot.settings.allowed_origins) may connect.
2. With session persistence on, its `session_request` handler calls `AsyncServer.enter_room`
   without awaiting it. Since python-socketio 5.10 that method is a coroutine, so the client never
   joins the room its session id names, and the bot's replies (sent to that room) reach nobody.
3. It confirms any session id a client names, so a second client that sends another visitor's id
   gets that visitor's replies from then on and can write into their conversation. Here the server
   issues the ids and confirms only those it issued (careerbot/conversation_ids.py: signed with
   WIDGET_SESSION_SECRET, so every instance knows the others'); any other id gets a new one, and a
   new conversation. A returning visitor (a page reload) sends the id they were given and carries
   on. Sessions always persist: the widget needs them, and `session_persistence` is not read.
4. Its message handler takes the conversation id from the message itself, unchecked: a client
   could write into any conversation whose id it knew, and a malformed message (not an object,
   a sender id PostgreSQL cannot store) fails inside the server. Here a message goes to the
   conversation its socket's `session_request` was confirmed for, whatever the message says, with
   a text no longer than any channel accepts.
5. It handles every message a client sends, however many: one socket sent 150 in 1.3 s, and
   everyone else's messages waited behind them. Here each socket has its own rate limit on the
   messages it sends before its previous one is answered (careerbot/rate_limit.py,
   CHANNEL_RATE_PER_MINUTE and CHANNEL_RATE_BURST); a message over it is not handled, and the
   socket is told so (SLOW_DOWN_NOTE), so that the person can send it again.

It also keeps `rasa run --cors …` (which `make run` passes, and which Rasa's docs suggest for web
chats) from breaking the widget: Sanic-CORS would add a second Access-Control-Allow-Origin header
to engine.io's responses, and browsers refuse a response with two.

Each bot message also tells the widget its language: a response that carries a `language` key
("en", "es") reaches the widget's `bot_uttered` payload with that key, in every message Rasa makes
of it (a text cut at blank lines is several), so that the widget's own words follow the
conversation's language. Responses without it are sent as Rasa sends them.

Everything else (events, payloads, the /socket.io path, the channel name) is Rasa's own.
"""
from __future__ import annotations

import contextvars
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, Request
from sanic_cors.core import SANIC_CORS_EVALUATED

from careerbot.conversation_ids import WidgetSessions, conversation_id, session_conversation
from careerbot.rate_limit import SLOW_DOWN_NOTE, RateLimiter
from careerbot.settings import (SettingsError, allowed_origins, channel_rate_limit,
                                widget_session_secret)
from careerbot.text_input import MAX_MESSAGE_CHARS, clean_message_text
from connectors.turn_failure import reporting_failures

logger = logging.getLogger(__name__)

# The language of the response being sent, for each message Rasa's output makes of it. A context
# variable, not an attribute: Rasa's send_* methods drop their keyword arguments on the way
# (send_quick_replies), and one output may be sending to two conversations at once.
_RESPONSE_LANGUAGE: contextvars.ContextVar[Optional[Text]] = contextvars.ContextVar(
    "response_language", default=None)


class WidgetSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, whose messages also carry their response's `language`."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        language = message.get("language")
        if not isinstance(language, str) or not language:
            await super().send_response(recipient_id, message)
            return
        token = _RESPONSE_LANGUAGE.set(language)
        try:
            await super().send_response(recipient_id, message)
        finally:
            _RESPONSE_LANGUAGE.reset(token)

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        language = _RESPONSE_LANGUAGE.get()
        if language is not None and isinstance(response, dict):
            response = {**response, "language": language}
        await super()._send_message(socket_id, response)


class WidgetSocketIOInput(SocketIOInput):
    """The socket.io channel the chat widget talks to (keeps the name `socketio`)."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Settings are read at blueprint time, so the server's environment decides.
        try:
            self.sessions = WidgetSessions(widget_session_secret())
            limit = channel_rate_limit()
        except SettingsError as error:
            raise InvalidConfigException(f"Website widget channel: {error}.") from None
        # By socket: each is one client, and a socket's messages all reach this process.
        self.limiter = RateLimiter(limit.per_minute, limit.burst)
        socketio_webhook = super().blueprint(on_new_message)
        # Rasa creates the server with cors_allowed_origins=[], which disables engine.io's origin
        # check. A test of the origin switches it back on: the handshake of a page from any other
        # origin is refused. (Not a list: an empty one, from an empty WIDGET_ALLOWED_ORIGINS,
        # would turn the check off again.)
        origins = frozenset(allowed_origins())
        self.sio.eio.cors_allowed_origins = lambda origin: origin in origins
        self._leave_cors_to_engineio()
        # Registering the event again replaces Rasa's handler.
        self.sio.on("session_request", namespace=self.namespace)(self.handle_session_request)
        handle_turn = reporting_failures(on_new_message)

        async def handle_user_message(sid: Text, data: Any) -> None:
            message = self._user_message(sid, data)
            if message is None:
                return
            if self.limiter.admit(sid):
                logger.info("Refused a socket.io message over the client's rate limit.")
                # To this socket only: the message was its own, and nothing else happened.
                await self.sio.emit(self.bot_message_evt, {"text": SLOW_DOWN_NOTE}, room=sid,
                                    namespace=self.namespace)
                return
            try:
                await handle_turn(message)
            finally:
                self.limiter.finished(sid)

        self.sio.on(self.user_message_evt, namespace=self.namespace)(handle_user_message)
        return socketio_webhook

    def get_output_channel(self) -> Optional[WidgetSocketIOOutput]:
        """The output for messages the server sends on its own (external events)."""
        if self.sio is None:
            return super().get_output_channel()  # Rasa's warning, and None
        return WidgetSocketIOOutput(self.sio, self.bot_message_evt)

    def _leave_cors_to_engineio(self) -> None:
        """Mark engine.io's requests as handled for Sanic-CORS, which then adds no headers."""
        eio = self.sio.eio
        handle_request = eio.handle_request

        async def handle_request_with_its_own_cors(request: Request, *args: Any, **kwargs: Any):
            setattr(request.ctx, SANIC_CORS_EVALUATED, True)
            return await handle_request(request, *args, **kwargs)

        # The blueprint attaches the server to the app later, routing to this attribute.
        eio.handle_request = handle_request_with_its_own_cors

    async def handle_session_request(self, sid: Text, data: Optional[Dict]) -> None:
        """Confirm the client's session id if it is one the server issued, else issue a new one,
        and move the socket into that session's conversation (the room its replies go to)."""
        offered = data.get("session_id") if isinstance(data, dict) else None
        session_id = offered if self.sessions.issued(offered) else self.sessions.issue()
        previous = self._conversation_of(sid)
        if previous is not None:
            await self.sio.leave_room(sid, previous, namespace=self.namespace)
        await self.sio.enter_room(sid, conversation_id(self.name(), session_conversation(session_id)),
                                  namespace=self.namespace)
        await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
        logger.debug("Socket.IO client joined its session.")

    def _conversation_of(self, sid: Text) -> Optional[Text]:
        """The conversation the socket's session_request was confirmed for, if any: the one room
        it is in besides its own."""
        joined = [room for room in self.sio.rooms(sid, namespace=self.namespace) if room != sid]
        return joined[0] if joined else None

    def _user_message(self, sid: Text, data: Any) -> Optional[UserMessage]:
        """The message a client sent, or None (logged) when it is not one to handle."""
        if not isinstance(data, dict) or not isinstance(data.get("message"), str) \
                or len(data["message"]) > MAX_MESSAGE_CHARS:
            logger.info("Ignored a malformed socket.io message.")
            return None
        conversation = self._conversation_of(sid)
        if conversation is None:
            logger.info("Ignored a socket.io message sent before its session was confirmed.")
            return None
        metadata = data.get(self.metadata_key)
        output = WidgetSocketIOOutput(self.sio, self.bot_message_evt)
        return UserMessage(clean_message_text(data["message"]), output, conversation,
                           input_channel=self.name(),
                           metadata=metadata if isinstance(metadata, dict) else None)
