"""Keep the console's per-conversation summaries up to date from Rasa's events, incrementally.

Rasa appends events to `events` with increasing ids. The console remembers the last id it has
summarised (a watermark in `console_sync_state`) and each run reads only the events after it, so
a request never rescans the table. On PostgreSQL two Rasa workers can commit out of id order; an
id missing below the newest one read is remembered as a gap and looked for again for a while.
A conversation's crisis flag raised in a batch is attributed to the message it follows, and its
crisis alert is recorded in the batch's own transaction (careerbot/console/alerts.py). Its
language is the last value of its `language` slot (careerbot/console/languages.py).
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from careerbot.console import alerts, languages
from careerbot.console.db import EVENTS_TABLE, Database
from careerbot.console.redact import redact
from careerbot.console.sql import insert_rows

BATCH_SIZE = 5000
REDACT_AGAIN_BATCH = 1000  # messages read at a time when redacting stored text again
# How long a missing event id is looked for: longer than any tracker-store transaction lasts.
GAP_LIFETIME_SECONDS = 300
MAX_GAPS_PER_BATCH = 1000
PREVIEW_LENGTH = 200
# After this many newly summarised events, refresh the planner's statistics (right after a large
# catch-up they describe empty tables, and PostgreSQL then picks nested loops over 100k rows) and,
# on PostgreSQL, vacuum so that reads need not visit every freshly written row.
ANALYZE_AFTER_EVENTS = 50_000
SUMMARY_TABLES = ("console_conversations", "console_labels", "console_messages", "console_tags")

FALLBACK_ACTIONS = frozenset({"action_default_fallback", "utter_fallback", "utter_default",
                              "action_two_stage_fallback", "action_did_you_mean",
                              "utter_fallback_again"})
FALLBACK_INTENTS = frozenset({"nlu_fallback"})
# Slots whose becoming true puts a conversation in the follow-up queue.
FOLLOW_UP_SLOTS = ("crisis_flag", "handoff_requested")
# Label kinds: many-valued facts about a conversation, filterable and counted in analytics.
INTENT, BARRIER, REFERRAL, REFERRAL_CATEGORY, CHANNEL = (
    "intent", "barrier", "referral", "referral_category", "channel")


@dataclass
class _UserMessage:
    """A user message as the console keeps it: what a crisis flag is attributed to."""

    event_id: Optional[int]
    time: float
    channel: Optional[str]
    text: str  # redacted


@dataclass
class _ConversationDelta:
    """What one batch adds to one conversation's summary."""

    first_time: float
    last_time: float
    messages: int = 0
    bot_messages: int = 0
    channel: Optional[str] = None
    first_message: Optional[str] = None
    barrier: Optional[str] = None
    handoff: int = 0
    crisis: int = 0
    fallback: int = 0
    handoff_at: Optional[float] = None
    crisis_at: Optional[float] = None
    followup_at: Optional[float] = None
    contact_name: Optional[str] = None
    contact_detail: Optional[str] = None
    # The last value of the `language` slot in this batch ("en" or "es"); None: not set in it.
    language: Optional[str] = None
    # The user message a crisis_flag slot follows (Rasa sets it from that message's intent): the
    # first one of this batch's flags, and the latest message seen so far to attribute a flag to.
    crisis_message: Optional[_UserMessage] = None
    last_user_message: Optional[_UserMessage] = None
    labels: Dict[Tuple[str, str], float] = field(default_factory=dict)
    # Type of the latest non-slot event seen in this batch, to recognise slots carried over
    # into a new session (Rasa re-sets them right after `session_started`).
    previous_event: Optional[str] = None
    # A message classified nlu_fallback waiting for the next event to tell whether an active form
    # took it as an answer (a name, say: slots are set right after it) or the bot did not understand.
    unclear_message: bool = False

    def add_label(self, kind: str, value: object, at: float) -> None:
        if value is None or value == "":
            return
        value = str(value)[:255]
        key = (kind, value)
        if key not in self.labels or at < self.labels[key]:
            self.labels[key] = at


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class SummarySync:
    """Brings the summary tables up to date with Rasa's events table."""

    def __init__(self, db: Database, on_alerts_recorded: Optional[Callable[[], None]] = None) -> None:
        self.db = db
        # Called (on the syncing thread) once a batch that recorded crisis alerts has committed, so
        # that the web app sends them at once instead of finding them on its next look.
        self._on_alerts_recorded = on_alerts_recorded
        # One sync at a time per process; other processes are kept out by a database lock.
        self._lock = threading.Lock()
        self._since_analyze = 0

    def run(self, max_batches: Optional[int] = None) -> int:
        """Summarise new events, at most `max_batches` batches (None: until caught up)."""
        if not self.db.events_table_exists():
            return 0
        total = 0
        batches = 0
        with self._lock:
            while (max_batches is None or batches < max_batches) and self._has_work():
                processed, more = self._sync_batch()
                total += processed
                batches += 1
                if not more:
                    break
            self._since_analyze += total
            if self._since_analyze >= ANALYZE_AFTER_EVENTS:
                self.analyze()
        return total

    def analyze(self) -> None:
        """Refresh the query planner's statistics on the summary tables (vacuuming on PostgreSQL)."""
        self._since_analyze = 0
        with self.db.engine.connect() as connection:
            if self.db.is_postgres:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                connection.exec_driver_sql("VACUUM (ANALYZE) " + ", ".join(SUMMARY_TABLES))
            else:
                for table in SUMMARY_TABLES:
                    connection.exec_driver_sql(f"ANALYZE {table}")
                connection.commit()

    def backlog(self) -> int:
        """About how many events are not summarised yet (ids above the watermark)."""
        if not self.db.events_table_exists():
            return 0
        with self.db.transaction() as connection:
            newest = connection.execute(text(f"SELECT MAX(id) FROM {EVENTS_TABLE}")).scalar() or 0
            watermark = connection.execute(
                text("SELECT last_event_id FROM console_sync_state WHERE id = 1")).scalar() or 0
        return max(0, newest - watermark)

    def _has_work(self) -> bool:
        """Read-only check, so that a page view with nothing new to summarise writes nothing."""
        with self.db.transaction() as connection:
            watermark = connection.execute(
                text("SELECT last_event_id FROM console_sync_state WHERE id = 1")).scalar() or 0
            # MAX(id) is read from the end of the primary key's index whatever the planner's statistics
            # say; "id > watermark LIMIT 1" may be planned as a scan of the whole table.
            newest = connection.execute(text(f"SELECT MAX(id) FROM {EVENTS_TABLE}")).scalar() or 0
            gaps = connection.execute(text("SELECT 1 FROM console_event_gaps LIMIT 1")).first()
        return newest > watermark or gaps is not None

    def _sync_batch(self) -> Tuple[int, bool]:
        processed, more, alerts_recorded = self._sync_batch_in_transaction()
        if alerts_recorded and self._on_alerts_recorded is not None:
            self._on_alerts_recorded()
        return processed, more

    def _sync_batch_in_transaction(self) -> Tuple[int, bool, int]:
        with self.db.transaction(write_lock=True) as connection:
            lock = " FOR UPDATE SKIP LOCKED" if self.db.is_postgres else ""
            watermark = connection.execute(
                text(f"SELECT last_event_id FROM console_sync_state WHERE id = 1{lock}")).scalar()
            if watermark is None:  # another process is syncing right now
                return 0, False, 0
            rows = connection.execute(text(
                f"SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data "
                f"FROM {EVENTS_TABLE} WHERE id > :watermark ORDER BY id LIMIT :limit"),
                {"watermark": watermark, "limit": BATCH_SIZE}).fetchall()
            late_rows = self._late_rows(connection)
            now = time.time()
            if rows:
                self._remember_gaps(connection, watermark, [row.id for row in rows], now)
            all_rows = sorted(late_rows + list(rows), key=lambda row: row.id)
            alerts_recorded = self._apply(connection, all_rows) if all_rows else 0
            new_watermark = rows[-1].id if rows else watermark
            connection.execute(text("UPDATE console_sync_state SET last_event_id = :id, updated_at = :now "
                                    "WHERE id = 1"), {"id": new_watermark, "now": now})
            return len(all_rows), len(rows) == BATCH_SIZE, alerts_recorded

    def _late_rows(self, connection: Connection) -> list:
        """Events that were missing when the watermark passed their id and have appeared since."""
        connection.execute(text("DELETE FROM console_event_gaps WHERE seen_at < :cutoff"),
                           {"cutoff": time.time() - GAP_LIFETIME_SECONDS})
        gaps = [row[0] for row in connection.execute(text("SELECT event_id FROM console_event_gaps"))]
        if not gaps:
            return []
        found = connection.execute(text(
            f"SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data "
            f"FROM {EVENTS_TABLE} WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": gaps}).fetchall()
        if found:
            connection.execute(text("DELETE FROM console_event_gaps WHERE event_id IN :ids")
                               .bindparams(bindparam("ids", expanding=True)),
                               {"ids": [row.id for row in found]})
        return list(found)

    @staticmethod
    def _remember_gaps(connection: Connection, watermark: int, ids: List[int], now: float) -> None:
        present = set(ids)
        missing = [i for i in range(watermark + 1, ids[-1]) if i not in present]
        insert_rows(connection, "console_event_gaps", ("event_id", "seen_at"),
                    [(event_id, now) for event_id in missing[-MAX_GAPS_PER_BATCH:]],
                    "ON CONFLICT (event_id) DO NOTHING")

    # --- turning events into summary rows ----------------------------------------------------

    def _apply(self, connection: Connection, rows: Iterable) -> int:
        """Fold the events into the summaries; return how many crisis alerts were recorded."""
        deltas: Dict[str, _ConversationDelta] = {}
        messages = []
        for row in rows:
            timestamp = row.timestamp or 0.0
            delta = deltas.get(row.sender_id)
            if delta is None:
                delta = deltas[row.sender_id] = _ConversationDelta(timestamp, timestamp)
            delta.first_time = min(delta.first_time, timestamp)
            delta.last_time = max(delta.last_time, timestamp)
            if delta.unclear_message:
                delta.unclear_message = False
                if row.type_name != "slot":
                    delta.fallback = 1
            if row.type_name == "user":
                message = self._apply_user_event(delta, row, timestamp)
                messages.append(message)
            elif row.type_name == "bot":
                delta.bot_messages += 1
            elif row.type_name == "action" and row.action_name in FALLBACK_ACTIONS:
                delta.fallback = 1
            elif row.type_name == "slot":
                self._apply_slot_event(connection, delta, row, timestamp)
            if row.type_name != "slot":
                delta.previous_event = row.type_name
        for delta in deltas.values():
            if delta.unclear_message:  # the batch ended before the answer: count it, to be safe
                delta.fallback = 1
        raised = self._newly_raised_crises(connection, deltas)
        self._write(connection, deltas, messages)
        alerts.record(connection, raised)
        return len(raised)

    @staticmethod
    def _newly_raised_crises(connection: Connection,
                             deltas: Dict[str, _ConversationDelta]) -> List[alerts.RaisedFlag]:
        """Flags that raise a new alert: the conversation's first, or its first since staff handled
        the last one. A flag already open keeps its message on the card (the delta forgets this one)."""
        flagged = [sender for sender, delta in deltas.items() if delta.crisis_message is not None]
        still_open = alerts.senders_with_open_alert(connection, flagged)
        raised = []
        for sender in flagged:
            delta = deltas[sender]
            if sender in still_open:
                delta.crisis_message = None
            else:
                message = delta.crisis_message
                raised.append(alerts.RaisedFlag(sender, message.event_id, message.channel, message.time))
        return raised

    @staticmethod
    def _apply_user_event(delta: _ConversationDelta, row, timestamp: float) -> tuple:
        event = json.loads(row.data or "{}")
        text_redacted = redact(event.get("text") or "")
        intent = row.intent_name or ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        delta.messages += 1
        delta.channel = delta.channel or event.get("input_channel")
        delta.last_user_message = _UserMessage(row.id, timestamp, event.get("input_channel"),
                                               text_redacted[:PREVIEW_LENGTH])
        if delta.first_message is None and text_redacted:
            delta.first_message = text_redacted[:PREVIEW_LENGTH]
        if intent in FALLBACK_INTENTS:
            delta.unclear_message = True
        delta.add_label(INTENT, intent, timestamp)
        delta.add_label(CHANNEL, delta.channel, timestamp)
        return row.id, row.sender_id, timestamp, intent, text_redacted

    def _apply_slot_event(self, connection: Connection, delta: _ConversationDelta, row,
                          timestamp: float) -> None:
        event = json.loads(row.data or "{}")
        name, value = event.get("name"), event.get("value")
        if name in FOLLOW_UP_SLOTS and _truthy(value):
            if self._is_carried_over(connection, delta, row):
                return
            if name == "crisis_flag":
                delta.crisis = 1
                delta.crisis_at = delta.crisis_at or timestamp
                delta.crisis_message = (delta.crisis_message or delta.last_user_message
                                        or self._message_before(connection, row, timestamp))
            else:
                delta.handoff = 1
                delta.handoff_at = delta.handoff_at or timestamp
            delta.followup_at = delta.followup_at or timestamp
        elif name == "barrier" and value:
            delta.barrier = str(value)[:64]
            delta.add_label(BARRIER, delta.barrier, timestamp)
        elif name in ("contact_name", "contact_detail") and value:
            setattr(delta, name, str(value)[:500])
        elif name == languages.LANGUAGE_SLOT:
            delta.language = languages.spoken(value)
        elif name == "referrals_shown" and isinstance(value, list):
            for referral in value:
                if isinstance(referral, dict):
                    delta.add_label(REFERRAL, referral.get("id") or referral.get("name"), timestamp)
                    delta.add_label(REFERRAL_CATEGORY, referral.get("category"), timestamp)

    @staticmethod
    def _message_before(connection: Connection, row, slot_time: float) -> _UserMessage:
        """The user message a flag follows when an earlier batch summarised it (or, if there is
        none, a message-less stand-in at the flag's own time, so that the flag still alerts)."""
        found = connection.execute(text(
            f"SELECT id, timestamp, data FROM {EVENTS_TABLE} WHERE sender_id = :sender AND id < :id "
            "AND type_name = 'user' ORDER BY id DESC LIMIT 1"), {"sender": row.sender_id, "id": row.id}).first()
        if found is None:
            return _UserMessage(None, slot_time, None, "")
        event = json.loads(found.data or "{}")
        return _UserMessage(found.id, found.timestamp or slot_time, event.get("input_channel"),
                            redact(event.get("text") or "")[:PREVIEW_LENGTH])

    def _is_carried_over(self, connection: Connection, delta: _ConversationDelta, row) -> bool:
        """True for a slot Rasa re-set when a new session started (not a new flag from the person)."""
        previous = delta.previous_event
        if previous is None:
            previous = connection.execute(text(
                f"SELECT type_name FROM {EVENTS_TABLE} WHERE sender_id = :sender AND id < :id "
                "AND type_name <> 'slot' ORDER BY id DESC LIMIT 1"),
                {"sender": row.sender_id, "id": row.id}).scalar()
        return previous == "session_started"

    def _write(self, connection: Connection, deltas: Dict[str, _ConversationDelta], messages: list) -> None:
        db = self.db
        current = "console_conversations"
        insert_rows(connection, current, (
            "sender_id", "channel", "first_time", "last_time", "message_count", "bot_message_count",
            "first_message", "barrier", "handoff_requested", "crisis_flag", "fallback", "handoff_at",
            "crisis_at", "followup_at", "followup_pending", "contact_name", "contact_detail", "crisis_event_id",
            "crisis_message", "language"),
            [(sender, d.channel, d.first_time, d.last_time, d.messages, d.bot_messages, d.first_message,
              d.barrier, d.handoff, d.crisis, d.fallback, d.handoff_at, d.crisis_at, d.followup_at,
              1 if d.followup_at is not None else 0, d.contact_name, d.contact_detail,
              *((d.crisis_message.event_id, d.crisis_message.text) if d.crisis_message else (None, None)),
              d.language)
             for sender, d in deltas.items()],
            f"""ON CONFLICT (sender_id) DO UPDATE SET
                channel = COALESCE({current}.channel, excluded.channel),
                first_time = {db.least(f"{current}.first_time", "excluded.first_time")},
                last_time = {db.greatest(f"{current}.last_time", "excluded.last_time")},
                message_count = {current}.message_count + excluded.message_count,
                bot_message_count = {current}.bot_message_count + excluded.bot_message_count,
                first_message = COALESCE({current}.first_message, excluded.first_message),
                barrier = COALESCE(excluded.barrier, {current}.barrier),
                handoff_requested = {db.greatest(f"{current}.handoff_requested", "excluded.handoff_requested")},
                crisis_flag = {db.greatest(f"{current}.crisis_flag", "excluded.crisis_flag")},
                fallback = {db.greatest(f"{current}.fallback", "excluded.fallback")},
                handoff_at = COALESCE({current}.handoff_at, excluded.handoff_at),
                crisis_at = COALESCE({current}.crisis_at, excluded.crisis_at),
                followup_at = CASE WHEN {current}.followup_pending = 1 THEN {current}.followup_at
                                   ELSE COALESCE(excluded.followup_at, {current}.followup_at) END,
                followup_pending = {db.greatest(f"{current}.followup_pending", "excluded.followup_pending")},
                contact_name = COALESCE(excluded.contact_name, {current}.contact_name),
                contact_detail = COALESCE(excluded.contact_detail, {current}.contact_detail),
                crisis_event_id = CASE WHEN excluded.crisis_message IS NULL THEN {current}.crisis_event_id
                                       ELSE excluded.crisis_event_id END,
                crisis_message = COALESCE(excluded.crisis_message, {current}.crisis_message),
                language = COALESCE(excluded.language, {current}.language)""")
        labels = [(sender, kind, value, at) for sender, d in deltas.items()
                  for (kind, value), at in d.labels.items()]
        insert_rows(connection, "console_labels", ("sender_id", "kind", "value", "first_time"),
                    [label for label in labels if label[1] != CHANNEL],
                    "ON CONFLICT (sender_id, kind, value) DO NOTHING")
        insert_rows(connection, "console_facet_values", ("kind", "value"),
                    sorted({(kind, value) for _, kind, value, _ in labels if kind != REFERRAL}),
                    "ON CONFLICT (kind, value) DO NOTHING")
        referral_senders = sorted({sender for sender, kind, _, _ in labels if kind == REFERRAL})
        if referral_senders:
            connection.execute(text(
                "UPDATE console_conversations SET referral_count = (SELECT COUNT(*) FROM console_labels l "
                "WHERE l.sender_id = console_conversations.sender_id AND l.kind = 'referral') "
                "WHERE sender_id IN :senders").bindparams(bindparam("senders", expanding=True)),
                {"senders": referral_senders})
        insert_rows(connection, "console_messages", ("event_id", "sender_id", "timestamp", "intent", "text"),
                    messages, "ON CONFLICT (event_id) DO NOTHING")
        if not db.is_postgres:
            insert_rows(connection, "console_message_search", ("rowid", "sender_id", "text"),
                        [(event_id, sender, message_text)
                         for event_id, sender, _, _, message_text in messages])


def redact_stored_text_again(db: Database, connection: Connection) -> None:
    """Redact the kept message text (what search looks in) and the previews taken from it again,
    with today's redactor: what an earlier one let through would otherwise stay findable.

    Each message is redacted again from its event in Rasa's table, as the sync would write it
    now; one whose event is gone, from the text kept. Previews are then cut from the messages as
    the sync cuts them.
    """
    if not sa.inspect(connection).has_table(EVENTS_TABLE):
        return  # nothing summarised yet
    after = 0  # event ids start at 1
    while True:
        rows = connection.execute(text(
            f"SELECT m.event_id, m.text, e.data FROM console_messages m LEFT JOIN {EVENTS_TABLE} e "
            f"ON e.id = m.event_id WHERE m.event_id > :after ORDER BY m.event_id LIMIT :n"),
            {"after": after, "n": REDACT_AGAIN_BATCH}).fetchall()
        if not rows:
            break
        after = rows[-1].event_id
        changed = []
        for row in rows:
            written = row.text if row.data is None else json.loads(row.data).get("text") or ""
            redacted = redact(written)
            if redacted != row.text:
                changed.append({"id": row.event_id, "text": redacted})
        if changed:
            connection.execute(text("UPDATE console_messages SET text = :text WHERE event_id = :id"), changed)
            if not db.is_postgres:  # PostgreSQL's search index is on the column itself
                connection.execute(text("UPDATE console_message_search SET text = :text WHERE rowid = :id"), changed)
    connection.execute(text(
        "UPDATE console_conversations SET first_message = (SELECT substr(m.text, 1, :n) FROM console_messages m "
        "WHERE m.sender_id = console_conversations.sender_id AND m.text <> '' ORDER BY m.event_id LIMIT 1) "
        "WHERE first_message IS NOT NULL"), {"n": PREVIEW_LENGTH})
    connection.execute(text(
        "UPDATE console_conversations SET crisis_message = (SELECT substr(m.text, 1, :n) FROM console_messages m "
        "WHERE m.event_id = console_conversations.crisis_event_id) WHERE crisis_event_id IS NOT NULL"),
        {"n": PREVIEW_LENGTH})


def fill_in_languages(connection: Connection) -> None:
    """Each summarised conversation's language from its `language` slot events, for conversations
    summarised before the console kept it: the last value set, as the sync takes it. Reads only
    those events, a batch at a time in event order, a later batch's value replacing an earlier one's."""
    if not sa.inspect(connection).has_table(EVENTS_TABLE):
        return  # nothing summarised yet
    after = 0
    while True:
        rows = connection.execute(text(
            f"SELECT id, sender_id, data FROM {EVENTS_TABLE} WHERE id > :after AND type_name = 'slot' "
            f"AND action_name = :slot ORDER BY id LIMIT :n"),
            {"after": after, "slot": languages.LANGUAGE_SLOT, "n": BATCH_SIZE}).fetchall()
        if not rows:
            return
        after = rows[-1].id
        latest: Dict[str, str] = {}
        for row in rows:
            event = json.loads(row.data or "{}")
            if event.get("name") == languages.LANGUAGE_SLOT:
                latest[row.sender_id] = languages.spoken(event.get("value"))
        if latest:
            connection.execute(text("UPDATE console_conversations SET language = :language WHERE sender_id = :s"),
                               [{"s": sender, "language": language} for sender, language in latest.items()])
