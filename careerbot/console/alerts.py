"""The crisis alert outbox: alerts the summary sync records, and their delivery to each destination.

The summary sync records an alert in the same transaction that sees a conversation's crisis flag
raised, so there is an alert for every flag and none is lost when a process stops. The web app
(careerbot/alerts.py) delivers it to each configured destination, tracked here in a row per
destination: one that fails is retried on its own without sending the others again.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import List, Optional, Sequence, Set, Tuple

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from careerbot.console.db import Database
from careerbot.console.sql import insert_rows

PENDING, SENT, FAILED = "pending", "sent", "failed"
MAX_ERROR_LENGTH = 200


@dataclass(frozen=True)
class RaisedFlag:
    """A crisis flag that needs an alert: whose, raised by which message, on which channel, when."""

    sender_id: str
    event_id: Optional[int]
    channel: Optional[str]
    raised_at: float


@dataclass(frozen=True)
class Delivery:
    """One destination's attempt at an alert, as the sender claims it."""

    alert_id: str
    destination: str
    attempts: int  # earlier attempts
    channel: Optional[str]
    raised_at: float


def record(connection: Connection, raised: Sequence[RaisedFlag]) -> None:
    """Add an alert for each flag, in the caller's transaction."""
    now = time.time()
    insert_rows(connection, "console_alerts", ("id", "sender_id", "event_id", "channel", "raised_at", "recorded_at"),
                [(uuid.uuid4().hex, flag.sender_id, flag.event_id, (flag.channel or "")[:64] or None,
                  flag.raised_at, now) for flag in raised])


def senders_with_open_alert(connection: Connection, senders: Sequence[str]) -> Set[str]:
    """Those of `senders` whose latest alert staff have not marked handled since it was raised."""
    if not senders:
        return set()
    rows = connection.execute(text(
        "SELECT a.sender_id FROM console_alerts a LEFT JOIN console_conversations c ON c.sender_id = a.sender_id "
        "WHERE a.sender_id IN :senders GROUP BY a.sender_id, c.handled_at "
        "HAVING c.handled_at IS NULL OR c.handled_at < MAX(a.raised_at)"
    ).bindparams(bindparam("senders", expanding=True)), {"senders": list(senders)})
    return {row[0] for row in rows}


def add_deliveries(db: Database, destinations: Sequence[str], raised_since: float) -> None:
    """Queue each destination for every alert raised since `raised_since` that it has not had.

    Older alerts are left alone: a history summarised for the first time, or alerts kept while no
    destination was configured, must not reach the on-call phone as a flood of stale alarms.
    """
    now = time.time()
    with db.transaction(write_lock=True) as connection:
        for destination in destinations:
            connection.execute(text(
                "INSERT INTO console_alert_deliveries (alert_id, destination, state, attempts, next_attempt_at) "
                "SELECT a.id, :destination, :pending, 0, :now FROM console_alerts a WHERE a.raised_at >= :since "
                "AND NOT EXISTS (SELECT 1 FROM console_alert_deliveries d WHERE d.alert_id = a.id "
                "AND d.destination = :destination) ON CONFLICT (alert_id, destination) DO NOTHING"),
                {"destination": destination, "pending": PENDING, "now": now, "since": raised_since})


def claim_due(db: Database, limit: int, lease_seconds: float) -> List[Delivery]:
    """Up to `limit` deliveries due now, each pushed `lease_seconds` into the future so that no
    other look takes it while it is being tried (and, if this process dies, it is tried again)."""
    now = time.time()
    lock = " FOR UPDATE OF d SKIP LOCKED" if db.is_postgres else ""
    with db.transaction(write_lock=True) as connection:
        rows = connection.execute(text(
            "SELECT d.alert_id, d.destination, d.attempts, a.channel, a.raised_at "
            "FROM console_alert_deliveries d JOIN console_alerts a ON a.id = d.alert_id "
            f"WHERE d.state = :pending AND d.next_attempt_at <= :now ORDER BY d.next_attempt_at LIMIT :limit{lock}"),
            {"pending": PENDING, "now": now, "limit": limit}).fetchall()
        for row in rows:
            connection.execute(text("UPDATE console_alert_deliveries SET next_attempt_at = :lease "
                                    "WHERE alert_id = :id AND destination = :destination"),
                               {"lease": now + lease_seconds, "id": row.alert_id, "destination": row.destination})
    return [Delivery(row.alert_id, row.destination, row.attempts, row.channel, row.raised_at) for row in rows]


def record_attempt(db: Database, delivery: Delivery, error: Optional[str], retry_at: Optional[float]) -> None:
    """Note how an attempt went: sent (no error), failed and due again at `retry_at`, or failed for good."""
    if error is None:
        state, changes = SENT, "sent_at = :now"
    elif retry_at is not None:
        state, changes = PENDING, "last_error = :error, next_attempt_at = :retry_at"
    else:
        state, changes = FAILED, "last_error = :error"
    with db.transaction() as connection:
        connection.execute(text(
            f"UPDATE console_alert_deliveries SET state = :state, attempts = attempts + 1, {changes} "
            "WHERE alert_id = :id AND destination = :destination"),
            {"state": state, "now": time.time(), "error": (error or "")[:MAX_ERROR_LENGTH], "retry_at": retry_at,
             "id": delivery.alert_id, "destination": delivery.destination})


def next_attempt_at(db: Database) -> Optional[float]:
    """When the earliest pending delivery is due (None: nothing pending)."""
    with db.transaction() as connection:
        return connection.execute(text("SELECT MIN(next_attempt_at) FROM console_alert_deliveries "
                                       "WHERE state = :pending"), {"pending": PENDING}).scalar()


def transcript_target(db: Database, alert_id: str) -> Optional[Tuple[str, Optional[int]]]:
    """(sender id, flagging message's event id) of an alert, or None for an unknown id."""
    with db.transaction() as connection:
        row = connection.execute(text("SELECT sender_id, event_id FROM console_alerts WHERE id = :id"),
                                 {"id": alert_id[:32]}).first()
    return (row.sender_id, row.event_id) if row else None
