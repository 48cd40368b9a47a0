"""A SQL tracker store that never loses a turn when its database goes away for a while.

Rasa 3.6 wraps every tracker store in `FailSafeTrackerStore`. When the database is unreachable,
that wrapper keeps the turn in process memory (where staff never see it, and which is gone at the
next restart) and, worse, answers a failed read with "no such conversation": the bot then starts
the conversation over and, because the SQL store appends only the events beyond those already
stored, the new turns are never written even after the database returns.

`DurableSQLTrackerStore` instead:
- checks each pooled connection before use, so a database restart costs no failed query;
- retries reads and writes with backoff for up to TRACKER_STORE_RETRY_SECONDS (a PostgreSQL
  restart takes a few seconds), well inside the conversation lock's lifetime;
- if the database is still unreachable, raises `TrackerStoreUnavailable`, which reaches the
  channel (`install` removes the fail-safe wrapper for this store) so that the person is told to
  send the message again instead of being answered from a conversation that was not saved.

It also loads a long conversation as a summary of its earlier events and its last few turns
(serving/conversation_window.py), so a turn costs the same at turn 200 as at turn 1, and does its
SQL with single statements on an index of (sender_id, id) instead of Rasa's ORM queries, which
read and count every event of the session on each turn. The statements are written out as SQL
(`TurnStatements`) and run on one DB-API connection the store keeps for turns: building them with
SQLAlchemy's expression language, looking up its compiled-statement cache, checking a connection
out of its pool and wrapping each result cost more of the server's CPU than the queries
themselves. The server's event loop runs one store call at a time, and none awaits while it holds
the connection, so one connection per process serves every conversation.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import re
import time
from typing import Awaitable, Callable, Iterator, List, NamedTuple, Optional, Text, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
import ujson
from rasa.core.agent import Agent
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from careerbot.console.db import SQLITE_WRITE_AHEAD_LOG
from careerbot.settings import keep_new_files_private
from serving.conversation_window import RecentlyUsed, summarise, summary_length, window_turns

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 20.0
EVENTS_INDEX = "events_sender_id_id"
T = TypeVar("T")


class TrackerStoreUnavailable(RuntimeError):
    """The conversation database could not be reached in time; the turn was not saved."""


def retry_seconds() -> float:
    return float(os.environ.get("TRACKER_STORE_RETRY_SECONDS") or DEFAULT_RETRY_SECONDS)


class EventRow(NamedTuple):
    """What a turn reads of an event (TurnStatements' SELECTs)."""
    id: int
    type_name: Text
    action_name: Optional[Text]
    data: Text


class DurableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args, **kwargs) -> None:
        if kwargs.get("dialect", "sqlite") == "sqlite":
            # The conversations file (and its write-ahead log, which SQLite creates with the
            # file's mode) is this user's alone, whatever umask the server was started with.
            keep_new_files_private()
        super().__init__(*args, **kwargs)
        # Connections a database restart broke fail their next query: `_with_retries` then
        # replaces the whole pool and asks again (cheaper than pinging before every query).
        url = self.engine.url
        self.engine.dispose()
        options = create_engine_kwargs(url)
        if url.get_backend_name() == "postgresql":
            # Each statement commits by itself: a turn's read is one SELECT, without the BEGIN
            # before it and the ROLLBACK when the pool takes the connection back, and its save
            # one multi-row INSERT (pages of INSERTED_ROWS_PER_STATEMENT rows: a turn adds a
            # handful), which is atomic by itself, without BEGIN and COMMIT. A save that fails
            # half-way through a larger one is completed by the retry: the events still to write
            # are counted from what is stored (`_additional_events`).
            options.update(isolation_level="AUTOCOMMIT")
        if url.get_backend_name() == "sqlite":
            # Kept open: SQLAlchemy 1.4 would open and close the file for every query, and the
            # last connection to close checkpoints the write-ahead log (an fsync) every turn.
            options.update(poolclass=sa.pool.QueuePool, pool_size=5, max_overflow=5,
                           connect_args={"check_same_thread": False})
        self.engine = sa.create_engine(url, **options)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _write_ahead_log)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.statements = TurnStatements(self.engine.dialect.driver)
        self.driver_errors = self.engine.dialect.dbapi
        self.turn_connection = None  # taken from the pool at the first turn (`_turn_cursor`)
        self._create_index()
        self.window_turns = window_turns()
        self.summaries = RecentlyUsed()
        # For each conversation this process loaded or saved last: how many events its tracker
        # then held and the last of them (0 and None: none were stored), so that saving that
        # tracker needs no count query.
        self.stored_upto = RecentlyUsed()

    def _create_index(self) -> None:
        """A conversation's events in order, and its latest session start, straight from an index.

        Every Rasa instance (and Sanic worker) runs this at start-up, possibly at the same moment:
        PostgreSQL may then refuse the second CREATE although it says IF NOT EXISTS.
        """
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.text(
                    f"CREATE INDEX IF NOT EXISTS {EVENTS_INDEX} ON events (sender_id, id)"))
        except sqlalchemy.exc.DBAPIError:
            if EVENTS_INDEX not in {index["name"] for index in sa.inspect(self.engine).get_indexes("events")}:
                raise

    def _is_connection_error(self, error: Exception) -> bool:
        """A lost or refused connection (worth retrying), not a bad statement or value: raised by
        the driver on the turn connection, or by SQLAlchemy on Rasa's own queries."""
        if isinstance(error, sqlalchemy.exc.DBAPIError):
            return error.connection_invalidated or isinstance(
                error, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError))
        return isinstance(error, (self.driver_errors.OperationalError, self.driver_errors.InterfaceError))

    @contextlib.contextmanager
    def _turn_cursor(self) -> Iterator:
        """A cursor on the connection kept for turns; what it wrote is committed when the block
        ends (on PostgreSQL each statement already committed by itself), and undone if it fails."""
        if self.turn_connection is None:
            self.turn_connection = self.engine.raw_connection()
        connection = self.turn_connection.dbapi_connection
        cursor = connection.cursor()
        try:
            yield cursor
            connection.commit()
        except BaseException as error:
            if isinstance(error, self.driver_errors.Error) and self._is_connection_error(error):
                self._drop_turn_connection()
            else:
                try:
                    connection.rollback()
                except self.driver_errors.Error:
                    self._drop_turn_connection()
            raise
        finally:
            cursor.close()

    def _drop_turn_connection(self) -> None:
        if self.turn_connection is not None:
            self.turn_connection.invalidate()
            self.turn_connection = None

    async def _with_retries(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        deadline = time.monotonic() + retry_seconds()
        delay = 0.2
        while True:
            try:
                return await operation()
            except (sqlalchemy.exc.DBAPIError, self.driver_errors.Error) as error:
                if not self._is_connection_error(error):
                    raise
                if time.monotonic() + delay > deadline:
                    logger.error("Conversation database unavailable; could not %s.", what)
                    raise TrackerStoreUnavailable(
                        f"The conversation database is unavailable; could not {what}.") from error
                # Only the error class: the message may quote SQL parameters (conversation text).
                logger.warning("Conversation database error (%s); retrying %s.",
                               type(getattr(error, "orig", None) or error).__name__, what)
                self._drop_turn_connection()
                self.engine.dispose()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._with_retries("load the conversation",
                                        lambda: super(DurableSQLTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._with_retries(
            "load the conversation",
            lambda: super(DurableSQLTrackerStore, self).retrieve_full_tracker(conversation_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        # A retried save recounts the stored events first, so a commit that did succeed before
        # the connection dropped is not written twice.
        await self._with_retries("save the conversation", lambda: self._save(tracker))

    async def _retrieve(self, sender_id: Text,
                        fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        if fetch_events_from_all_sessions or not self.domain:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self._turn_cursor() as cursor:
            events = self._latest_session_events(cursor, sender_id)
        if not events:
            # A new conversation: its first save has nothing stored to count.
            self.stored_upto.put(sender_id, (0, None))
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        self._remember_stored(tracker)
        return tracker

    def _remember_stored(self, tracker: DialogueStateTracker) -> None:
        if tracker.events:
            self.stored_upto.put(tracker.sender_id, (len(tracker.events), tracker.events[-1]))

    def _latest_session_events(self, cursor, sender_id: Text) -> List[dict]:
        """The latest session's events: all of them, or a summary and the last turns."""
        summary = self.summaries.get(sender_id)
        rows = []
        if summary is not None:
            rows = _event_rows(cursor, self.statements.events_from, {
                "sender_id": sender_id, "first_id": summary.upto_event_id})
            if rows and rows[0].id == summary.upto_event_id:
                rows = rows[1:]
            else:  # the summarised events were deleted (by staff): never bring them back
                self.summaries.pop(sender_id)
                summary, rows = None, []
        if summary is None:
            rows = _event_rows(cursor, self.statements.latest_session,
                               self.statements.session_parameters(sender_id))
        starts = [i for i, row in enumerate(rows) if _is_session_start(row)]
        if summary is not None and starts:  # a new session began after the summary
            summary, rows = None, rows[starts[-1]:]
        head = summary.events if summary is not None else []
        turns = [i for i, row in enumerate(rows) if row.type_name == UserUttered.type_name]
        if self.window_turns and len(turns) > 2 * self.window_turns:
            cut = turns[-self.window_turns]
            replayed = DialogueStateTracker.from_dict(
                sender_id, head + [ujson.loads(row.data) for row in rows[:cut]], self.domain.slots)
            summary = summarise(replayed, rows[cut - 1].id, replayed.events[-1].timestamp)
            self.summaries.put(sender_id, summary)
            head, rows = summary.events, rows[cut:]
        return head + [ujson.loads(row.data) for row in rows]

    async def _save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self._turn_cursor() as cursor:
            rows = [_event_row(event) for event in self._additional_events(cursor, tracker)]
            for first in range(0, len(rows), INSERTED_ROWS_PER_STATEMENT):
                page = rows[first:first + INSERTED_ROWS_PER_STATEMENT]
                cursor.execute(*self.statements.insert(tracker.sender_id, page))
        self._remember_stored(tracker)

    def _additional_events(self, cursor, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events that are not stored yet (summary events never are)."""
        # The tracker this process loaded or saved last, grown since: its first events are the
        # stored ones. The entry is used up, so a save retried after a failure counts instead.
        known = self.stored_upto.pop(tracker.sender_id)
        if known is not None:
            count, last = known
            if count == 0 or (len(tracker.events) >= count and tracker.events[count - 1] is last):
                return itertools.islice(tracker.events, count, None)
        summarised, upto = summary_length(tracker.events)
        if upto is not None:
            cursor.execute(self.statements.count_after, {"sender_id": tracker.sender_id, "after_id": upto})
        else:
            cursor.execute(self.statements.count_session,
                           self.statements.session_parameters(tracker.sender_id))
        (stored,) = cursor.fetchone()
        return itertools.islice(tracker.events, summarised + stored, None)


def _event_rows(cursor, statement: Text, parameters: dict) -> List[EventRow]:
    cursor.execute(statement, parameters)
    return list(map(EventRow._make, cursor.fetchall()))


def _write_ahead_log(dbapi_connection, _record) -> None:
    """SQLite in write-ahead-log mode, as the staff console opens the same file: a turn's commit
    is an append to the log instead of several fsyncs of a rollback journal (they took 16 ms of a
    30 ms turn, with the whole server waiting), and the console can read while the bot writes.
    With synchronous=NORMAL a commit survives the process crashing; only a power cut can lose
    the last moments before it, never corrupt the file."""
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_WRITE_AHEAD_LOG:
        cursor.execute(pragma)
    cursor.close()


def _is_session_start(row) -> bool:
    return row.type_name == ActionExecuted.type_name and row.action_name == ACTION_SESSION_START_NAME


def _event_row(event) -> tuple:
    """The events table's columns after sender_id for one event (EVENT_COLUMNS), as Rasa's SQL
    tracker store writes them."""
    data = event.as_dict()
    # ujson writes the JSON Rasa's json.dumps writes (ASCII, slashes unescaped, only without the
    # spaces) in a third of the time: a referral turn stores about ten events.
    return (event.type_name, data.get("timestamp"),
            data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            data.get("name"), ujson.dumps(data, escape_forward_slashes=False))


# Rasa's events table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
EVENT_COLUMNS = ("type_name", "timestamp", "intent_name", "action_name", "data")
# Rows a single INSERT writes: a turn adds a handful of events; a first save of a long imported
# conversation takes several statements, within SQLite's limit on parameters per statement.
INSERTED_ROWS_PER_STATEMENT = 100
_SESSION_START_ID = (
    "coalesce((SELECT max(id) FROM events WHERE sender_id = {sender_id} "
    "AND type_name = {action} AND action_name = {session_start}), 0)")


class TurnStatements:
    """The SQL of a turn's load and save, with the driver's own parameter markers."""

    # Named parameters in each driver's own syntax (the statements go to the driver unchanged).
    MARKERS = {"pysqlite": ":{}", "psycopg2": "%({})s"}

    def __init__(self, driver: Text) -> None:
        if driver not in self.MARKERS:
            raise ValueError(f"The conversation database's driver {driver!r} is not supported; "
                             f"this tracker store works with {', '.join(self.MARKERS)}.")
        self.marker = self.MARKERS[driver]
        session_start = self._sql(_SESSION_START_ID)
        columns = "id, type_name, action_name, data"
        self.latest_session = self._sql(
            f"SELECT {columns} FROM events WHERE sender_id = {{sender_id}} "
            f"AND id >= {session_start} ORDER BY id")
        self.events_from = self._sql(
            f"SELECT {columns} FROM events WHERE sender_id = {{sender_id}} AND id >= {{first_id}} "
            "ORDER BY id")
        self.count_session = self._sql(
            f"SELECT count(*) FROM events WHERE sender_id = {{sender_id}} AND id >= {session_start}")
        self.count_after = self._sql(
            "SELECT count(*) FROM events WHERE sender_id = {sender_id} AND id > {after_id}")

    def _sql(self, template: Text) -> Text:
        """`template` with each {name} replaced by the driver's marker for parameter `name`."""
        return re.sub(r"\{(\w+)\}", lambda name: self.marker.format(name[1]), template)

    @staticmethod
    def session_parameters(sender_id: Text) -> dict:
        return {"sender_id": sender_id, "action": ActionExecuted.type_name,
                "session_start": ACTION_SESSION_START_NAME}

    def insert(self, sender_id: Text, rows: List[tuple]) -> tuple:
        """One INSERT of `rows` (from `_event_row`) and its parameters."""
        parameters = {"sender_id": sender_id}
        values = []
        for number, row in enumerate(rows):
            names = [f"{column}_{number}" for column in EVENT_COLUMNS]
            parameters.update(zip(names, row))
            values.append("(" + ", ".join(self.marker.format(name)
                                           for name in ("sender_id", *names)) + ")")
        return (f"INSERT INTO events (sender_id, {', '.join(EVENT_COLUMNS)}) VALUES "
                + ", ".join(values), parameters)


_rasa_create_tracker_store = Agent._create_tracker_store


def _create_tracker_store(store: Optional[TrackerStore], domain) -> TrackerStore:
    if isinstance(store, DurableSQLTrackerStore):
        store.domain = domain
        return store  # not wrapped: its errors must reach the channel, not vanish into memory
    return _rasa_create_tracker_store(store, domain)


def install() -> None:
    Agent._create_tracker_store = staticmethod(_create_tracker_store)
