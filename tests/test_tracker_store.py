"""serving/tracker_store.py on real PostgreSQL and SQLite, when the database fails under a turn:
a dropped connection costs no turn, a database that stays away is reported instead of the turn
vanishing, and a save that fails is not left half-written for the next save to commit.

The store keeps one driver connection for turns (not SQLAlchemy's pool), so these are the paths
that connection takes; tests/test_resilience.py restarts PostgreSQL under a running assistant.
"""
from __future__ import annotations

import contextlib
import sqlite3
import time

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import SlotSet, UserUttered

from serving.tracker_store import INSERTED_ROWS_PER_STATEMENT, DurableSQLTrackerStore, TrackerStoreUnavailable
from tests.support.services import postgres_url
from tests.support.staff import postgres_database
from tests.test_conversation_window import DOMAIN, SESSION_START, Conversation, run, turn

RETRY_SECONDS = 1.5


@pytest.fixture
def postgres_store(monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_RETRY_SECONDS", str(RETRY_SECONDS))
    with postgres_database() as url:
        store = DurableSQLTrackerStore(DOMAIN, dialect="postgresql", host=url)
        yield store
        store._drop_turn_connection()
        store.engine.dispose()


@contextlib.contextmanager
def admin():
    engine = sa.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def drop_connections(database: str) -> int:
    """What a PostgreSQL restart does to the store's connections: every one of them is closed."""
    with admin() as connection:
        return len(connection.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": database}).all())


def assert_stored_exactly(conversation: Conversation) -> None:
    assert conversation.stored_count() == len(conversation.all_events)
    said = [event.text for event in conversation.all_events if isinstance(event, UserUttered)]
    assert conversation.loaded().latest_message.text == said[-1]


def test_a_dropped_connection_costs_no_turn(postgres_store):
    conversation = Conversation(postgres_store, "dropped-connection")
    conversation.send(SESSION_START + turn("before the restart"))
    assert drop_connections(postgres_store.engine.url.database) >= 1  # the store's turn connection
    conversation.send(turn("after the restart", SlotSet("barrier", "childcare")))
    assert_stored_exactly(conversation)
    assert conversation.loaded().get_slot("barrier") == "childcare"


def test_a_database_that_stays_away_is_reported_and_the_next_turn_after_it_is_stored(postgres_store):
    database = postgres_store.engine.url.database
    conversation = Conversation(postgres_store, "database-away")
    conversation.send(SESSION_START + turn("before"))
    with admin() as connection:
        connection.execute(sa.text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
    try:
        drop_connections(database)
        started = time.monotonic()
        with pytest.raises(TrackerStoreUnavailable):
            run(postgres_store.retrieve(conversation.sender))
        assert RETRY_SECONDS - 0.5 < time.monotonic() - started < RETRY_SECONDS + 5  # retried, then said so
    finally:
        with admin() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
    conversation.send(turn("after"))
    assert_stored_exactly(conversation)


def test_a_failed_save_leaves_nothing_for_the_next_save_to_commit(tmp_path):
    """A save of more events than one INSERT writes, refused by the database part-way: its first
    INSERT must be undone, not left in the open transaction that the next save commits."""
    database = tmp_path / "conversations.db"
    store = DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(database))
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.data LIKE '%refuse me%' "
                           "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    refused = Conversation(store, "refused")
    events = SESSION_START + [event for number in range(INSERTED_ROWS_PER_STATEMENT // 3 + 1)
                              for event in turn(f"message {number}")] + turn("refuse me")
    assert len(events) > INSERTED_ROWS_PER_STATEMENT
    with pytest.raises(sqlite3.IntegrityError):
        refused.send(events)
    refused.all_events = []
    accepted = Conversation(store, "accepted")
    accepted.send(SESSION_START + turn("a later turn"))
    assert refused.stored_count() == 0
    assert_stored_exactly(accepted)
