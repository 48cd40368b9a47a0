"""A long conversation is loaded as a summary of its earlier turns plus its last few turns
(serving/conversation_window.py), on real SQLite and PostgreSQL: the state the bot works from is
exactly the state of the whole history, every real event is stored once, and a summary never
outlives the events it stands for.

The running assistant the conversation tests use has a one-turn window (tests/conftest.py), so
every conversation test also checks that summaries change nothing the person sees.
"""
from __future__ import annotations

import asyncio
import time

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, SessionStarted,
                                     SlotSet, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker

from careerbot.settings import PROJECT_ROOT
from serving.tracker_store import DurableSQLTrackerStore
from tests.support.staff import postgres_database

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
WINDOW = 2


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, monkeypatch):
    monkeypatch.setenv("CONVERSATION_WINDOW_TURNS", str(WINDOW))
    if request.param == "sqlite":
        yield DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "conversations.db"))
        return
    with postgres_database() as url:
        tracker_store = DurableSQLTrackerStore(DOMAIN, dialect="postgresql", host=url)
        yield tracker_store
        tracker_store.engine.dispose()


def run(coroutine):
    return asyncio.run(coroutine)


def turn(text, *events):
    """One turn as Rasa logs it: the message, the bot's actions, then listening again."""
    now = time.time()
    return [UserUttered(text, {"name": "inform", "confidence": 1.0}, timestamp=now), *events,
            BotUttered(f"reply to {text}", timestamp=now),
            ActionExecuted("action_listen", timestamp=now)]


SESSION_START = [ActionExecuted("action_session_start"), SessionStarted(),
                 ActionExecuted("action_listen")]


class Conversation:
    """Turns sent through the store the way the Rasa server does: load, add the turn, save."""

    def __init__(self, store, sender="long-conversation"):
        self.store, self.sender, self.all_events = store, sender, []

    def send(self, events):
        tracker = run(self.store.retrieve(self.sender)) or DialogueStateTracker(self.sender, DOMAIN.slots)
        for event in events:
            tracker.update(event)
        run(self.store.save(tracker))
        self.all_events += events
        return tracker

    def loaded(self):
        return run(self.store.retrieve(self.sender))

    def whole_history(self):
        return DialogueStateTracker.from_events(self.sender, self.all_events, DOMAIN.slots)

    def stored_count(self):
        with self.store.engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                      {"s": self.sender}).scalar()


def user_turns(tracker):
    return sum(isinstance(event, UserUttered) for event in tracker.events)


def test_a_long_conversation_keeps_its_whole_state_in_a_bounded_window(store):
    conversation = Conversation(store)
    conversation.send(SESSION_START)
    for number in range(1, 41):
        extra = []
        if number == 3:
            extra = [SlotSet("barrier", "transportation")]
        if number == 7:
            extra = [ActionExecuted("referral_form"), ActiveLoop("referral_form"),
                     SlotSet("resource_type", "workforce_center"), SlotSet("requested_slot", "location")]
        if number == 30:
            extra = [SlotSet("aspect", "goals")]
        conversation.send(turn(f"message {number}", *extra))

        loaded, whole = conversation.loaded(), conversation.whole_history()
        assert loaded.current_slot_values() == whole.current_slot_values(), number
        assert loaded.active_loop_name == whole.active_loop_name == (
            "referral_form" if number >= 7 else None)
        assert loaded.latest_message.text == f"message {number}"
        assert user_turns(loaded) <= 2 * WINDOW, number
    # Every real event is stored exactly once, summaries never.
    assert conversation.stored_count() == len(conversation.all_events)
    full = run(store.retrieve_full_tracker(conversation.sender))
    assert [e.as_dict() for e in full.events] == [e.as_dict() for e in conversation.all_events]
    assert user_turns(full) == 40


def summarised_conversation(store, sender, slot, value):
    """Ten turns, the slot set in the second: loaded from a summary from then on."""
    conversation = Conversation(store, sender)
    conversation.send(SESSION_START)
    for number in range(10):
        conversation.send(turn(f"message {number}", *([SlotSet(slot, value)] if number == 1 else [])))
    assert conversation.loaded().get_slot(slot) == value
    return conversation


def test_deleted_history_is_never_brought_back_by_a_summary(store):
    conversation = summarised_conversation(store, "deleted-person", "contact_name", "Sam Example")
    # Staff delete everything about this person (careerbot/console/privacy.py deletes the rows).
    with store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'deleted-person'"))
    assert conversation.loaded() is None
    conversation.all_events = []
    conversation.send(SESSION_START + turn("hello again"))
    assert conversation.loaded().get_slot("contact_name") is None


def test_a_new_session_starts_from_its_own_events_not_the_old_summary(store):
    conversation = summarised_conversation(store, "returning-person", "aspect", "benefits")
    conversation.send(SESSION_START + [SlotSet("barrier", "childcare")] + turn("back next day"))
    loaded = conversation.loaded()
    assert loaded.get_slot("aspect") is None and loaded.get_slot("barrier") == "childcare"
    assert loaded.latest_message.text == "back next day"


def test_window_zero_loads_the_whole_session(store, monkeypatch):
    monkeypatch.setenv("CONVERSATION_WINDOW_TURNS", "0")
    whole_store = DurableSQLTrackerStore(DOMAIN, dialect=store.engine.dialect.name,
                                         host=str(store.engine.url), db=store.engine.url.database)
    conversation = Conversation(whole_store, "whole-session")
    conversation.send(SESSION_START)
    for number in range(12):
        conversation.send(turn(f"message {number}"))
    assert user_turns(conversation.loaded()) == 12
    whole_store.engine.dispose()


def test_a_conversation_saved_in_one_go_is_stored_whole_and_in_order(store):
    """More events than one INSERT writes (serving/tracker_store.py INSERTED_ROWS_PER_STATEMENT),
    with text that SQL would have to quote, all saved in a single save."""
    conversation = Conversation(store, "saved-at-once")
    events = list(SESSION_START)
    for number in range(70):
        events += turn(f"it's {number}% of \"my\" pay; -- DROP TABLE events; :sender_id %(x)s ?")
    conversation.send(events)
    assert conversation.stored_count() == len(events) > 200
    full = run(store.retrieve_full_tracker(conversation.sender))
    assert [e.as_dict() for e in full.events] == [e.as_dict() for e in events]
