"""A socket.io client that connects as the chat widget does: over WebSocket only.

python-socketio's own client cannot: its WebSocket transport needs a newer aiohttp than Rasa's,
and over long polling a Rasa instance with several Sanic workers (the production profile) loses
the session between two requests, which is why the widget uses WebSocket. This speaks the two
protocols' few packets the widget uses (Engine.IO 4, Socket.IO 5) with `websockets`, which Rasa
itself depends on.
"""
from __future__ import annotations

import asyncio
import collections
import json
from typing import Any, DefaultDict, List, Optional

import websockets

REPLY_TIMEOUT = 30
# Rasa sends a turn's messages back to back; this long without one means the turn is over.
QUIET_AFTER_LAST_REPLY = 1.5


class WidgetSocket:
    """One connection; each event the server sends waits in its own queue until read."""

    def __init__(self, websocket: Any) -> None:
        self._websocket = websocket
        self._events: DefaultDict[str, asyncio.Queue] = collections.defaultdict(asyncio.Queue)
        self._connected = asyncio.get_running_loop().create_future()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, server_url: str, origin: str) -> "WidgetSocket":
        url = server_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        socket = cls(await websockets.connect(url, origin=origin))
        await socket._websocket.send("40")  # join the default namespace
        await asyncio.wait_for(socket._connected, 10)
        return socket

    async def _read(self) -> None:
        async for packet in self._websocket:
            if packet == "2":  # Engine.IO ping: answered, or the server drops the connection
                await self._websocket.send("3")
            elif packet.startswith("40") and not self._connected.done():
                self._connected.set_result(None)
            elif packet.startswith("42"):
                event, *data = json.loads(packet[2:])
                self._events[event].put_nowait(data[0] if data else None)

    async def emit(self, event: str, data: Any) -> None:
        await self._websocket.send("42" + json.dumps([event, data]))

    async def next(self, event: str, timeout: float = REPLY_TIMEOUT) -> Any:
        """The next `event` the server sent or sends within `timeout` seconds."""
        return await asyncio.wait_for(self._events[event].get(), timeout)

    async def start_session(self, session_id: Optional[str] = None) -> str:
        """Send `session_request` as the widget does; the id the server confirms."""
        await self.emit("session_request", {"session_id": session_id})
        return await self.next("session_confirm", 10)

    async def say(self, text: str, session_id: Optional[str] = None) -> List[dict]:
        """Send a message as the widget does; the bot's replies to it."""
        await self.emit("user_uttered", {"message": text, "session_id": session_id})
        replies = [await self.next("bot_uttered")]
        return replies + await self.more_replies()

    async def more_replies(self, wait: float = QUIET_AFTER_LAST_REPLY) -> List[dict]:
        """The bot messages that arrive until none has come for `wait` seconds."""
        replies = []
        while True:
            try:
                replies.append(await self.next("bot_uttered", wait))
            except asyncio.TimeoutError:
                return replies

    async def close(self) -> None:
        await self._websocket.close()
        self._reader.cancel()
