"""Privacy operations: revealing one conversation, purging old ones, and a person's data requests."""
from __future__ import annotations

import json
import time
from typing import List

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from careerbot.console import audit
from careerbot.console.db import EVENTS_TABLE, Database
from careerbot.console.summaries import SummarySync

MIN_REASON_LENGTH = 5
DELETE_CHUNK = 500
# Console tables keyed by sender id; everything about a conversation is in these, in events, and
# in the deliveries of its crisis alerts (keyed by alert id).
SENDER_TABLES = ("console_conversations", "console_labels", "console_messages", "console_tags",
                 "console_notes", "console_reveals", "console_alerts")


class PrivacyError(ValueError):
    """A privacy request that cannot be carried out as asked; the message says why."""


def reveal(db: Database, token_hash: str, sender_id: str, reason: str, username: str) -> None:
    """Show this conversation unredacted for the rest of the admin's session; audited with the reason."""
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON_LENGTH:
        raise PrivacyError("Give the reason for revealing this conversation's personal details.")
    with db.transaction(write_lock=True) as connection:
        connection.execute(text("INSERT INTO console_reveals (token_hash, sender_id, created_at) VALUES "
                                "(:h, :s, :t) ON CONFLICT (token_hash, sender_id) DO NOTHING"),
                           {"h": token_hash, "s": sender_id, "t": time.time()})
        audit.record(connection, username, "reveal", sender_id, {"reason": reason[:500]})


def is_revealed(db: Database, token_hash: str, sender_id: str) -> bool:
    with db.transaction() as connection:
        return connection.execute(text("SELECT 1 FROM console_reveals WHERE token_hash = :h AND sender_id = :s"),
                                  {"h": token_hash, "s": sender_id}).first() is not None


def _delete_senders(db: Database, connection: Connection, senders: List[str]) -> None:
    expanding = bindparam("s", expanding=True)
    if not db.is_postgres:
        connection.execute(text("DELETE FROM console_message_search WHERE rowid IN "
                                "(SELECT event_id FROM console_messages WHERE sender_id IN :s)")
                           .bindparams(expanding), {"s": senders})
    connection.execute(text("DELETE FROM console_alert_deliveries WHERE alert_id IN "
                            "(SELECT id FROM console_alerts WHERE sender_id IN :s)").bindparams(expanding),
                       {"s": senders})
    for table in SENDER_TABLES:
        connection.execute(text(f"DELETE FROM {table} WHERE sender_id IN :s").bindparams(expanding),
                           {"s": senders})
    if db.events_table_exists():
        connection.execute(text(f"DELETE FROM {EVENTS_TABLE} WHERE sender_id IN :s").bindparams(expanding),
                           {"s": senders})
        # SQLite hands out max(id) + 1 for new rows: after deleting the newest events, ids below the
        # watermark would be reused and skipped by the summary sync, so lower the watermark to match.
        connection.execute(text(
            f"UPDATE console_sync_state SET last_event_id = {db.least('last_event_id', f'COALESCE((SELECT MAX(id) FROM {EVENTS_TABLE}), 0)')} "
            "WHERE id = 1"))


def purge(db: Database, days: int, actor: str) -> int:
    """Delete conversations whose last activity is older than `days` days, with their notes."""
    if days < 1:
        raise PrivacyError("DAYS must be a whole number of days, at least 1.")
    # Summaries must cover every event first, or old conversations not yet summarised would survive.
    SummarySync(db).run()
    cutoff = time.time() - days * 86400
    deleted = 0
    while True:
        with db.transaction(write_lock=True) as connection:
            senders = [row[0] for row in connection.execute(text(
                "SELECT sender_id FROM console_conversations WHERE last_time < :cutoff LIMIT :n"),
                {"cutoff": cutoff, "n": DELETE_CHUNK})]
            if not senders:
                break
            _delete_senders(db, connection, senders)
            deleted += len(senders)
    audit.record(db, actor, "purge", None, {"older_than_days": days, "conversations": deleted})
    return deleted


def sender_exists(db: Database, sender_id: str) -> bool:
    with db.transaction() as connection:
        if connection.execute(text("SELECT 1 FROM console_conversations WHERE sender_id = :s"),
                              {"s": sender_id}).first():
            return True
        return db.events_table_exists() and connection.execute(
            text(f"SELECT 1 FROM {EVENTS_TABLE} WHERE sender_id = :s LIMIT 1"), {"s": sender_id}).first() is not None


def export_sender(db: Database, sender_id: str, actor: str) -> dict:
    """Everything kept about one sender, unredacted (it is the person's own data), for a request."""
    with db.transaction() as connection:
        events = [json.loads(row[0] or "{}") for row in connection.execute(
            text(f"SELECT data FROM {EVENTS_TABLE} WHERE sender_id = :s ORDER BY id"), {"s": sender_id})] \
            if db.events_table_exists() else []
        tags = [dict(r._mapping) for r in connection.execute(text(
            "SELECT tag, created_by, created_at FROM console_tags WHERE sender_id = :s ORDER BY tag"),
            {"s": sender_id})]
        notes = [dict(r._mapping) for r in connection.execute(text(
            "SELECT author, body, created_at FROM console_notes WHERE sender_id = :s ORDER BY created_at, id"),
            {"s": sender_id})]
        review = connection.execute(text(
            "SELECT reviewed, reviewed_by, reviewed_at, handled_at, handled_by FROM console_conversations "
            "WHERE sender_id = :s"), {"s": sender_id}).first()
        audit.record(connection, actor, "export_sender", sender_id, {"events": len(events)})
    return {"sender_id": sender_id, "exported_at": time.time(), "events": events, "tags": tags, "notes": notes,
            "review": dict(review._mapping) if review else None}


def delete_sender(db: Database, sender_id: str, actor: str) -> None:
    """Delete every event, summary, tag and note about one sender; the audit entry remains."""
    with db.transaction(write_lock=True) as connection:
        _delete_senders(db, connection, [sender_id])
        audit.record(connection, actor, "delete_sender", sender_id)
