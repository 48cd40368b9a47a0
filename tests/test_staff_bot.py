"""Conversations held with the running bot show up in the console with the right intents, flags,
contact details and referrals, with the tracker store in SQLite and in PostgreSQL.

The real assistant (trained model, Rasa server, action server) writes its tracker store; the real
web app reads it. What the console shows is checked against what the person sent and against the
bot's own tracker.
"""
from __future__ import annotations

import contextlib
import html
import re
import uuid
from urllib.parse import quote

import pytest

from tests.support.servers import buttons, rest_conversation, start_assistant
from tests.support.staff import (
    ADMIN, COUNSELOR, console_env, create_staff, postgres_database, signed_in, start_staff_web_app, timeline,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def running(request, tmp_path_factory):
    """(assistant, console base URL): the bot and the console on one tracker database."""
    work = tmp_path_factory.mktemp(f"staff-bot-{request.param}")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            assistant = request.getfixturevalue("assistant")  # the session's bot, SQLite tracker store
            env = console_env(assistant.data_dir)
        else:
            url = stack.enter_context(postgres_database())
            assistant = start_assistant(work, extra_env={"DATABASE_URL": url})
            stack.callback(assistant.actions.stop)
            stack.callback(assistant.rasa.stop)
            env = console_env(work / "var", url)
        create_staff(env)
        web = start_staff_web_app(env, work / "logs")
        stack.callback(web.stop)
        yield assistant, web.url


def converse(assistant, sender, *messages):
    return [assistant.send(sender, message) for message in messages]


def row_of(listing: str, conversation: str) -> str:
    match = re.search(r"<tr>\s*<td class=\"nowrap\"><a href=\"/staff/conversation\?id="
                      + re.escape(quote(conversation)) + r"[^\"]*\">.*?</tr>", listing, re.S)
    assert match, f"{conversation} is not in the list"
    return match.group(0)


def queue_item(queue: str, conversation: str) -> str:
    """The follow-up queue entry that links to `conversation`."""
    link = queue.index(f"conversation?id={quote(conversation)}")
    return queue[queue.rindex('<li class="queue-item', 0, link):link]


def tracker_slots(assistant, conversation):
    return [(e["name"], e["value"]) for e in assistant.tracker(conversation)["events"] if e["event"] == "slot"]


def test_barrier_conversation_shows_intents_confidence_buttons_and_barrier(running):
    assistant, base_url = running
    sender = "bot-barrier-" + uuid.uuid4().hex[:8]
    # A greeting, a barrier, yes to local help, and a place: the bot then shows referrals.
    greeting, *_ = converse(assistant, sender, "hi", "I don't have a car", "yes", "62704")
    conversation = rest_conversation(sender)
    client = signed_in(base_url, COUNSELOR)

    row = row_of(client.get("/staff/conversations?channel=rest&barrier=transportation&referral=yes").text,
                 conversation)
    for intent in ("greet", "share_barrier", "affirm"):
        assert f'<span class="chip">{intent}</span>' in row
    assert "<td>rest</td>" in row and ">4</td>" in row  # channel, user messages

    page = client.get(f"/staff/conversation?id={conversation}").text
    assert "intent: greet" in page and "intent: share_barrier" in page
    for event in assistant.tracker(conversation)["events"]:  # the classifier's confidence, as the bot saw it
        if event["event"] == "user":
            assert f'confidence {event["parse_data"]["intent"]["confidence"]:.2f}' in page
    assert "<code>barrier</code> = <code>transportation</code>" in page
    for title in buttons(greeting):  # the quick replies the person was offered
        assert f'<span class="button-shown">{title}</span>' in page
    assert "action_barrier_advice" in page
    # Referrals: exactly the ones the bot's tracker says were shown.
    shown = assistant.tracker(conversation)["slots"]["referrals_shown"]
    assert shown, "the bot showed no referrals for 62704"
    for referral in shown:
        assert f"<strong>{html.escape(referral['name'])}</strong>" in page
        assert f'<span class="chip">{referral["category"]}</span>' in page
    count = len({referral["id"] for referral in shown})
    assert f"{count} referral{'s' if count != 1 else ''}</span>" in row


def test_crisis_message_raises_the_flag_and_enters_the_queue(running):
    assistant, base_url = running
    sender = "bot-crisis-" + uuid.uuid4().hex[:8]
    converse(assistant, sender, "I want to kill myself")
    conversation = rest_conversation(sender)
    assert ("crisis_flag", True) in tracker_slots(assistant, conversation)
    client = signed_in(base_url, COUNSELOR)
    assert sender in client.get("/staff/conversations?crisis=yes").text
    assert sender not in client.get("/staff/conversations?crisis=no").text
    assert "badge-crisis" in queue_item(client.get("/staff/queue").text, conversation)
    transcript = client.get(f"/staff/conversation?id={conversation}").text
    assert "intent: crisis" in transcript and "<code>crisis_flag</code> = <code>true</code>" in transcript


def test_handoff_with_contact_details_enters_the_queue(running):
    assistant, base_url = running
    sender = "bot-handoff-" + uuid.uuid4().hex[:8]
    converse(assistant, sender, "can I talk to a person", "yes", "Jane Doe", "217-555-0134", "yes")
    conversation = rest_conversation(sender)
    assert ("handoff_requested", True) in tracker_slots(assistant, conversation)
    client = signed_in(base_url, COUNSELOR)
    item = queue_item(client.get("/staff/queue").text, conversation)
    # Everyone watching the queue sees that a number was left, not the number.
    assert "badge-handoff" in item and "Jane Doe" in item and "Phone number left" in item
    assert "217-555-0134" not in item
    assert sender in client.get("/staff/conversations?handoff=yes&intent=request_human").text
    # The counselor who opens the case gets the number in the Call back panel; the events stay redacted.
    transcript = client.get(f"/staff/conversation?id={conversation}").text
    events = timeline(transcript)
    assert "217-555-0134" not in events and "[phone]" in events
    assert "217-555-0134" in transcript
    admin = signed_in(base_url, ADMIN)
    assert admin.post("/staff/conversation/reveal", {"sender_id": conversation, "reason": "calling Jane back"}
                      ).status_code == 303
    assert "217-555-0134" in admin.get(f"/staff/conversation?id={conversation}").text
    assert client.post("/staff/conversation/handled", {"sender_id": conversation}).status_code == 303
    assert sender not in client.get("/staff/queue").text
