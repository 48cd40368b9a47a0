"""Staff work on a conversation: review status, follow-up handling, tags and notes."""
from __future__ import annotations

import re
import time

from sqlalchemy import text

from careerbot.console import audit
from careerbot.console.db import Database

MAX_NOTE_LENGTH = 5000
TAG_PATTERN = re.compile(r"^[\w][\w .-]{0,63}$")


class CaseworkError(ValueError):
    """Input staff typed that cannot be saved; the message says why."""


def _require_conversation(connection, sender_id: str) -> None:
    exists = connection.execute(text("SELECT 1 FROM console_conversations WHERE sender_id = :s"),
                                {"s": sender_id}).first()
    if exists is None:
        raise LookupError(sender_id)


def set_reviewed(db: Database, sender_id: str, reviewed: bool, username: str) -> None:
    with db.transaction(write_lock=True) as connection:
        _require_conversation(connection, sender_id)
        connection.execute(text("UPDATE console_conversations SET reviewed = :r, reviewed_at = :t, "
                                "reviewed_by = :u WHERE sender_id = :s"),
                           {"r": 1 if reviewed else 0, "t": time.time() if reviewed else None,
                            "u": username if reviewed else None, "s": sender_id})
        audit.record(connection, username, "review", sender_id, {"reviewed": reviewed})


def mark_handled(db: Database, sender_id: str, username: str) -> None:
    """Take the conversation off the follow-up queue (a new flag later puts it back)."""
    with db.transaction(write_lock=True) as connection:
        _require_conversation(connection, sender_id)
        connection.execute(text("UPDATE console_conversations SET followup_pending = 0, handled_at = :t, "
                                "handled_by = :u WHERE sender_id = :s"),
                           {"t": time.time(), "u": username, "s": sender_id})
        audit.record(connection, username, "handle", sender_id)


def normalize_tag(tag: str) -> str:
    tag = " ".join((tag or "").split()).lower()
    if not TAG_PATTERN.match(tag):
        raise CaseworkError("A tag is 1 to 64 letters, digits, spaces, dots, dashes or underscores.")
    return tag


def add_tag(db: Database, sender_id: str, tag: str, username: str) -> str:
    tag = normalize_tag(tag)
    with db.transaction(write_lock=True) as connection:
        _require_conversation(connection, sender_id)
        connection.execute(text("INSERT INTO console_tags (sender_id, tag, created_by, created_at) "
                                "VALUES (:s, :tag, :u, :t) ON CONFLICT (sender_id, tag) DO NOTHING"),
                           {"s": sender_id, "tag": tag, "u": username, "t": time.time()})
        audit.record(connection, username, "tag", sender_id, {"added": tag})
    return tag


def remove_tag(db: Database, sender_id: str, tag: str, username: str) -> None:
    with db.transaction(write_lock=True) as connection:
        connection.execute(text("DELETE FROM console_tags WHERE sender_id = :s AND tag = :tag"),
                           {"s": sender_id, "tag": tag})
        audit.record(connection, username, "tag", sender_id, {"removed": tag})


def add_note(db: Database, sender_id: str, body: str, username: str) -> None:
    body = (body or "").strip()
    if not body:
        raise CaseworkError("The note is empty.")
    if len(body) > MAX_NOTE_LENGTH:
        raise CaseworkError(f"A note is at most {MAX_NOTE_LENGTH} characters.")
    with db.transaction(write_lock=True) as connection:
        _require_conversation(connection, sender_id)
        connection.execute(text("INSERT INTO console_notes (sender_id, author, body, created_at) "
                                "VALUES (:s, :u, :b, :t)"),
                           {"s": sender_id, "u": username, "b": body, "t": time.time()})
        audit.record(connection, username, "note", sender_id)
