"""The widget's socket.io channel (connectors/socketio.py) against the real Rasa server.

Session persistence: a client that names its session gets the bot's replies, and a new connection
with the same session id (a page reload) carries on the same conversation. With Rasa 3.6's own
channel and python-socketio >= 5.10 no reply ever arrives (enter_room is not awaited).
Origins: only WIDGET_ALLOWED_ORIGINS may open a connection.
"""
from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
import uuid
from typing import List

import pytest
import socketio

from careerbot.settings import allowed_origins

# The session-wide assistant runs with this test process's environment, so it allows these.
ALLOWED_ORIGIN = allowed_origins()[0]
OTHER_ORIGIN = "http://evil.example"
REPLY_TIMEOUT = 30
# Rasa sends a turn's messages back to back; this long without one means the turn is over.
QUIET_AFTER_LAST_REPLY = 1.5


async def exchange(server_url: str, session_id: str, message: str) -> List[dict]:
    """Connect as the widget does, send one message in `session_id`, return the bot's replies."""
    client = socketio.AsyncClient(reconnection=False)
    confirmed = asyncio.get_running_loop().create_future()
    replies: asyncio.Queue = asyncio.Queue()
    client.on("session_confirm", confirmed.set_result)
    client.on("bot_uttered", replies.put_nowait)
    # Long polling only: python-engineio's websocket client needs a newer aiohttp than Rasa's.
    # The browser tests use the websocket transport.
    await client.connect(server_url, headers={"Origin": ALLOWED_ORIGIN}, transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        assert await asyncio.wait_for(confirmed, 10) == session_id
        await client.emit("user_uttered", {"message": message, "session_id": session_id})
        received = [await asyncio.wait_for(replies.get(), REPLY_TIMEOUT)]
        while True:
            try:
                received.append(await asyncio.wait_for(replies.get(), QUIET_AFTER_LAST_REPLY))
            except asyncio.TimeoutError:
                return received
    finally:
        await client.disconnect()


def test_replies_reach_the_session_and_survive_a_new_connection(assistant):
    session_id = uuid.uuid4().hex

    greeting = asyncio.run(exchange(assistant.url, session_id, "hi"))
    assert any(reply.get("text", "").startswith("Hi!") for reply in greeting)
    quick_replies = [option["title"] for reply in greeting for option in reply.get("quick_replies", [])]
    assert "Job vs. career" in quick_replies

    # A reload: a new socket, the same session id.
    summary = asyncio.run(exchange(assistant.url, session_id, "/ask_job_vs_career"))
    assert "Five key differences" in " ".join(reply.get("text", "") for reply in summary)

    user_turns = [event["text"] for event in assistant.tracker(session_id)["events"]
                  if event["event"] == "user"]
    assert user_turns == ["hi", "/ask_job_vs_career"]


def engineio_handshake(server_url: str, origin: str):
    request = urllib.request.Request(f"{server_url}/socket.io/?EIO=4&transport=polling",
                                     headers={"Origin": origin})
    return urllib.request.urlopen(request, timeout=10)


def test_a_page_on_another_origin_cannot_connect(assistant):
    with pytest.raises(urllib.error.HTTPError) as refused:
        engineio_handshake(assistant.url, OTHER_ORIGIN)
    assert refused.value.code == 400
    assert b"not an accepted origin" in refused.value.read()

    async def connect_from_other_origin():
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(assistant.url, headers={"Origin": OTHER_ORIGIN},
                             transports=["polling"])

    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(connect_from_other_origin())


def test_a_page_on_an_allowed_origin_may_connect(assistant):
    with engineio_handshake(assistant.url, ALLOWED_ORIGIN) as accepted:
        assert accepted.status == 200
        assert accepted.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
        assert b'"sid"' in accepted.read()
