"""The widget's socket.io channel (connectors/socketio.py) against the real Rasa server, directly
and through the production profile's nginx, over WebSocket as the widget connects.

Sessions: the server issues the session ids; a client that sends one it was issued (a page
reload) carries on its conversation, on any instance; any other id (made up, forged, a
conversation id as staff see it) gets a fresh id and a new conversation. With Rasa 3.6's own
channel the server confirmed whatever id a client sent, so a second client could take a visitor's
conversation over; and no reply ever arrived (enter_room is not awaited with python-socketio >=
5.10).
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

from careerbot.conversation_ids import WidgetSessions, session_conversation
from careerbot.settings import allowed_origins
from tests.support.servers import texts, widget_conversation
from tests.support.widget_socket import WidgetSocket

# The session-wide assistant runs with this test process's environment, so it allows these.
ALLOWED_ORIGIN = allowed_origins()[0]
OTHER_ORIGIN = "http://evil.example"
EMAIL = "maria.lopez@example.com"
HANDOFF = ["can I talk to a real person", "yes", "my name is maria lopez", EMAIL, "yes"]


def run(coroutine):
    return asyncio.run(coroutine)


async def conversation_turns(server_url: str, origin: str, session_id, messages: List[str]):
    """Connect as the widget does, ask for `session_id`, say `messages`: (the confirmed id, the
    replies to each message)."""
    socket = await WidgetSocket.connect(server_url, origin)
    try:
        confirmed = await socket.start_session(session_id)
        return confirmed, [await socket.say(message, confirmed) for message in messages]
    finally:
        await socket.close()


def user_turns(assistant, session_id: str) -> List[str]:
    return [event["text"] for event in assistant.tracker(widget_conversation(session_id))["events"]
            if event["event"] == "user"]


def test_replies_reach_the_session_and_survive_a_new_connection(assistant):
    session_id, [greeting] = run(conversation_turns(assistant.url, ALLOWED_ORIGIN, None, ["hi"]))
    assert any(reply.get("text", "").startswith("Hi!") for reply in greeting)
    quick_replies = [option["title"] for reply in greeting for option in reply.get("quick_replies", [])]
    assert "Job vs. career" in quick_replies

    # A reload: a new socket, the session id the server issued.
    confirmed, [summary] = run(conversation_turns(assistant.url, ALLOWED_ORIGIN, session_id,
                                                  ["/ask_job_vs_career"]))
    assert confirmed == session_id
    assert "Five key differences" in texts(summary)
    assert user_turns(assistant, session_id) == ["hi", "/ask_job_vs_career"]


def forgeries(issued: str) -> List[object]:
    """Session ids a client could send that the server did not issue, from what it may know."""
    random_half = session_conversation(issued)
    flipped = issued[:-1] + ("0" if issued[-1] != "0" else "1")
    return [uuid.uuid4().hex,  # as the widget and Rasa made them
            "made-up-session", "", None, 42, ["a", "list"], issued.upper(),
            random_half,  # what names the conversation
            widget_conversation(issued),  # the conversation id staff see in the console
            random_half + "0" * 32, flipped,  # a signature guessed, one altered
            WidgetSessions("another-secret-" + "x" * 32).issue()]  # signed with another secret


def test_the_server_issues_session_ids_and_confirms_only_its_own(assistant):
    sessions = WidgetSessions(assistant.env["WIDGET_SESSION_SECRET"])

    async def confirmations():
        socket = await WidgetSocket.connect(assistant.url, ALLOWED_ORIGIN)
        try:
            issued = await socket.start_session(None)
            offered = forgeries(issued)
            return issued, offered, [await socket.start_session(session_id) for session_id in offered]
        finally:
            await socket.close()

    issued, offered, confirmed = run(confirmations())
    assert sessions.issued(issued)
    for forged, fresh in zip(offered, confirmed):
        assert fresh != forged and sessions.issued(fresh), forged
    assert len({issued, *confirmed}) == len(offered) + 1  # each a new one


def test_a_second_client_cannot_take_a_conversation_over(assistant):
    async def attempt():
        visitor = await WidgetSocket.connect(assistant.url, ALLOWED_ORIGIN)
        intruders = []
        try:
            session_id = await visitor.start_session(None)
            await visitor.say("hi", session_id)
            for forged in forgeries(session_id):
                intruder = await WidgetSocket.connect(assistant.url, ALLOWED_ORIGIN)
                intruders.append(intruder)
                assert await intruder.start_session(forged) != session_id
            # One writes into its own session, naming the visitor's in the message.
            intruder_note = await intruders[-1].say("what is a career", session_id)
            visitor_replies = [await visitor.say(message, session_id) for message in HANDOFF]
            overheard = [await intruder.more_replies(wait=0.5) for intruder in intruders]
            return session_id, intruder_note, visitor_replies, overheard
        finally:
            for socket in [visitor, *intruders]:
                await socket.close()

    session_id, intruder_note, visitor_replies, overheard = run(attempt())
    assert "nurse practitioner" in texts(intruder_note)  # answered, in the intruder's own conversation
    assert f"contact you at {EMAIL}" in texts(visitor_replies[-1])
    assert overheard == [[]] * len(overheard)  # none of the visitor's replies reached them
    assert user_turns(assistant, session_id) == ["hi", *HANDOFF]


def test_through_nginx_sessions_are_issued_kept_on_every_instance_and_not_taken_over(production):
    origin = production.public_url  # one of the profile's WIDGET_ALLOWED_ORIGINS

    async def attempt():
        visitor = await WidgetSocket.connect(production.public_url, origin)
        intruder = await WidgetSocket.connect(production.public_url, origin)
        try:
            session_id = await visitor.start_session(None)
            await visitor.say("hi", session_id)
            made_up = uuid.uuid4().hex
            intruder_sessions = [await intruder.start_session(forged)
                                 for forged in (made_up, session_conversation(session_id))]
            summary = await visitor.say("/ask_job_vs_career", session_id)
            overheard = await intruder.more_replies(wait=0.5)
        finally:
            await visitor.close()
            await intruder.close()
        # Each Rasa instance, with no state shared, knows the id another issued.
        on_each_instance = [(await conversation_turns(url, origin, session_id, []))[0]
                            for url in production.rasa_urls]
        return session_id, made_up, intruder_sessions, summary, overheard, on_each_instance

    session_id, made_up, intruder_sessions, summary, overheard, on_each_instance = run(attempt())
    assert made_up not in intruder_sessions and session_id not in intruder_sessions
    assert "Five key differences" in texts(summary)
    assert overheard == []
    assert on_each_instance == [session_id] * len(production.rasa_urls)
    stored = production.postgres.query(
        "SELECT data::json->>'text' FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id",
        widget_conversation(session_id))
    assert [text for text, in stored] == ["hi", "/ask_job_vs_career"]


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
