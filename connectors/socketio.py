"""Rasa's socket.io channel for the website chat widget, made safe and working.

Two things are wrong with `rasa.core.channels.socketio.SocketIOInput` as Rasa 3.6 ships it:

1. It accepts a connection from any origin (it turns engine.io's origin check off), so any web
   page could open a chat in a visitor's name. Here only the office's configured origins
   (WIDGET_ALLOWED_ORIGINS, see careerbot.settings.allowed_origins) may connect.
2. With session persistence on, its `session_request` handler calls `AsyncServer.enter_room`
   without awaiting it. Since python-socketio 5.10 that method is a coroutine, so the client never
   joins the room its session id names, and the bot's replies (sent to that room) reach nobody.

It also keeps `rasa run --cors …` (which `make run` passes, and which Rasa's docs suggest for web
chats) from breaking the widget: Sanic-CORS would add a second Access-Control-Allow-Origin header
to engine.io's responses, and browsers refuse a response with two.

Everything else (events, payloads, the /socket.io path, the channel name) is Rasa's own.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, Request
from sanic_cors.core import SANIC_CORS_EVALUATED

from careerbot.settings import allowed_origins

logger = logging.getLogger(__name__)


class WidgetSocketIOInput(SocketIOInput):
    """The socket.io channel the chat widget talks to (keeps the name `socketio`)."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        # Rasa creates the server with cors_allowed_origins=[], which disables engine.io's origin
        # check. A test of the origin switches it back on: the handshake of a page from any other
        # origin is refused. (Not a list: an empty one, from an empty WIDGET_ALLOWED_ORIGINS,
        # would turn the check off again.) Read at blueprint time, so the server's environment
        # decides.
        origins = frozenset(allowed_origins())
        self.sio.eio.cors_allowed_origins = lambda origin: origin in origins
        self._leave_cors_to_engineio()
        # Registering the event again replaces Rasa's handler.
        self.sio.on("session_request", namespace=self.namespace)(self.handle_session_request)
        return socketio_webhook

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
        """Confirm the client's session id (a new one if it has none) and join its room."""
        session_id = data.get("session_id") if isinstance(data, dict) else None
        if not isinstance(session_id, str) or not session_id:
            session_id = uuid.uuid4().hex
        if self.session_persistence:
            await self.sio.enter_room(sid, session_id, namespace=self.namespace)
        await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
        logger.debug("Socket.IO client joined its session.")
