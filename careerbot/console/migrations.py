"""Numbered schema migrations for the console's own tables.

A small runner instead of Alembic: the console owns a dozen tables, the migrations are plain SQL
for two dialects (and a function where stored data must be rewritten, such as text redacted
again), and this keeps the dependency list short. Applied versions are recorded in
`console_schema_version`; each run applies the missing ones in order inside one transaction,
under a lock, so two processes starting at once (web app and CLI) cannot both apply them.
Rasa's `events` table is never altered.
"""
from __future__ import annotations

import functools
import time
from typing import Callable, List, Tuple, Union

from sqlalchemy import text
from sqlalchemy.engine import Connection

from careerbot.console import summaries
from careerbot.console.db import Database

# A migration's steps: SQL statements, or functions given the migration's connection, for data
# that SQL alone cannot rewrite.
Step = Union[str, Callable[[Connection], None]]

# Any constant unique to this application: the key of PostgreSQL's advisory lock for migrations.
MIGRATION_LOCK_KEY = 7_215_0001


def _initial_schema(db: Database) -> List[Step]:
    serial_pk = "BIGSERIAL PRIMARY KEY" if db.is_postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
    statements = [
        # Where the incremental summary left off in Rasa's events table.
        """CREATE TABLE console_sync_state (
               id INTEGER PRIMARY KEY,
               last_event_id BIGINT NOT NULL,
               updated_at DOUBLE PRECISION NOT NULL)""",
        "INSERT INTO console_sync_state (id, last_event_id, updated_at) VALUES (1, 0, 0)",
        # Event ids skipped by the watermark because their transaction had not committed yet.
        """CREATE TABLE console_event_gaps (
               event_id BIGINT PRIMARY KEY,
               seen_at DOUBLE PRECISION NOT NULL)""",
        # One row per conversation (Rasa sender id): what lists, filters and the queue read.
        """CREATE TABLE console_conversations (
               sender_id VARCHAR(255) PRIMARY KEY,
               channel VARCHAR(64),
               first_time DOUBLE PRECISION NOT NULL,
               last_time DOUBLE PRECISION NOT NULL,
               message_count INTEGER NOT NULL DEFAULT 0,
               bot_message_count INTEGER NOT NULL DEFAULT 0,
               first_message TEXT,
               barrier VARCHAR(64),
               handoff_requested SMALLINT NOT NULL DEFAULT 0,
               crisis_flag SMALLINT NOT NULL DEFAULT 0,
               fallback SMALLINT NOT NULL DEFAULT 0,
               referral_count INTEGER NOT NULL DEFAULT 0,
               contact_name TEXT,
               contact_detail TEXT,
               handoff_at DOUBLE PRECISION,
               crisis_at DOUBLE PRECISION,
               followup_at DOUBLE PRECISION,
               followup_pending SMALLINT NOT NULL DEFAULT 0,
               handled_at DOUBLE PRECISION,
               handled_by VARCHAR(150),
               reviewed SMALLINT NOT NULL DEFAULT 0,
               reviewed_at DOUBLE PRECISION,
               reviewed_by VARCHAR(150))""",
        "CREATE INDEX console_conversations_last_time ON console_conversations (last_time, sender_id)",
        "CREATE INDEX console_conversations_first_time ON console_conversations (first_time)",
        "CREATE INDEX console_conversations_channel ON console_conversations (channel, last_time)",
        "CREATE INDEX console_conversations_followup ON console_conversations (followup_pending, followup_at)",
        "CREATE INDEX console_conversations_crisis ON console_conversations (crisis_flag, last_time)",
        "CREATE INDEX console_conversations_handoff ON console_conversations (handoff_requested, last_time)",
        "CREATE INDEX console_conversations_reviewed ON console_conversations (reviewed, last_time)",
        "CREATE INDEX console_conversations_barrier ON console_conversations (barrier, last_time)",
        # Many-valued facts about a conversation: intents seen, barriers named, referrals shown.
        """CREATE TABLE console_labels (
               sender_id VARCHAR(255) NOT NULL,
               kind VARCHAR(32) NOT NULL,
               value VARCHAR(255) NOT NULL,
               first_time DOUBLE PRECISION NOT NULL,
               PRIMARY KEY (sender_id, kind, value))""",
        "CREATE INDEX console_labels_value ON console_labels (kind, value, sender_id)",
        # The distinct values offered in the filter menus, so that a page never scans for them.
        """CREATE TABLE console_facet_values (
               kind VARCHAR(32) NOT NULL,
               value VARCHAR(255) NOT NULL,
               PRIMARY KEY (kind, value))""",
        # User messages (text already redacted) for search, previews and intent statistics.
        """CREATE TABLE console_messages (
               event_id BIGINT PRIMARY KEY,
               sender_id VARCHAR(255) NOT NULL,
               timestamp DOUBLE PRECISION NOT NULL,
               intent VARCHAR(255),
               text TEXT NOT NULL)""",
        "CREATE INDEX console_messages_sender ON console_messages (sender_id)",
        "CREATE INDEX console_messages_time ON console_messages (timestamp, intent)",
        """CREATE TABLE console_tags (
               sender_id VARCHAR(255) NOT NULL,
               tag VARCHAR(64) NOT NULL,
               created_by VARCHAR(150) NOT NULL,
               created_at DOUBLE PRECISION NOT NULL,
               PRIMARY KEY (sender_id, tag))""",
        "CREATE INDEX console_tags_tag ON console_tags (tag, sender_id)",
        f"""CREATE TABLE console_notes (
               id {serial_pk},
               sender_id VARCHAR(255) NOT NULL,
               author VARCHAR(150) NOT NULL,
               body TEXT NOT NULL,
               created_at DOUBLE PRECISION NOT NULL)""",
        "CREATE INDEX console_notes_sender ON console_notes (sender_id, created_at)",
        f"""CREATE TABLE console_users (
               id {serial_pk},
               username VARCHAR(150) NOT NULL UNIQUE,
               password_hash VARCHAR(255) NOT NULL,
               role VARCHAR(16) NOT NULL,
               created_at DOUBLE PRECISION NOT NULL)""",
        # Server-side sessions; only a hash of the cookie's token is stored.
        """CREATE TABLE console_sessions (
               token_hash CHAR(64) PRIMARY KEY,
               user_id BIGINT NOT NULL,
               csrf_token VARCHAR(64) NOT NULL,
               created_at DOUBLE PRECISION NOT NULL,
               last_seen DOUBLE PRECISION NOT NULL)""",
        "CREATE INDEX console_sessions_user ON console_sessions (user_id)",
        f"""CREATE TABLE console_login_failures (
               id {serial_pk},
               username VARCHAR(150) NOT NULL,
               ip VARCHAR(64) NOT NULL,
               at DOUBLE PRECISION NOT NULL)""",
        "CREATE INDEX console_login_failures_key ON console_login_failures (username, ip, at)",
        "CREATE INDEX console_login_failures_ip ON console_login_failures (ip, at)",
        # An admin's reveal of one conversation's personal details, for the rest of the session.
        """CREATE TABLE console_reveals (
               token_hash CHAR(64) NOT NULL,
               sender_id VARCHAR(255) NOT NULL,
               created_at DOUBLE PRECISION NOT NULL,
               PRIMARY KEY (token_hash, sender_id))""",
        f"""CREATE TABLE console_audit (
               id {serial_pk},
               at DOUBLE PRECISION NOT NULL,
               actor VARCHAR(150) NOT NULL,
               action VARCHAR(32) NOT NULL,
               target VARCHAR(255),
               detail TEXT)""",
        "CREATE INDEX console_audit_at ON console_audit (at)",
    ]
    if db.is_postgres:
        # Word search over the redacted user messages: a GIN index on a tsvector, built into
        # PostgreSQL (pg_trgm would need an extension that a managed database may not allow).
        statements.append("CREATE INDEX console_messages_search ON console_messages "
                          "USING GIN (to_tsvector('simple', text))")
    else:
        # SQLite: FTS5 (compiled into Python's sqlite3); rowid = the message's event id.
        statements.append("CREATE VIRTUAL TABLE console_message_search USING fts5("
                          "text, sender_id UNINDEXED, tokenize = 'unicode61')")
    return statements


def _crisis_alerts(_db: Database) -> List[Step]:
    return [
        # The message that raised a conversation's open crisis flag: quoted on its queue card and
        # marked in its transcript (an event id of Rasa's `events`; its text redacted, as previews are).
        "ALTER TABLE console_conversations ADD COLUMN crisis_event_id BIGINT",
        "ALTER TABLE console_conversations ADD COLUMN crisis_message TEXT",
        # One row per crisis flag raised (again only after staff handled the last one), written by
        # the summary sync in the transaction that sees the flag. The id is random: it goes into
        # e-mails and chat messages in place of the sender id, which can be personal.
        """CREATE TABLE console_alerts (
               id VARCHAR(32) PRIMARY KEY,
               sender_id VARCHAR(255) NOT NULL,
               event_id BIGINT,
               channel VARCHAR(64),
               raised_at DOUBLE PRECISION NOT NULL,
               recorded_at DOUBLE PRECISION NOT NULL)""",
        "CREATE INDEX console_alerts_sender ON console_alerts (sender_id, raised_at)",
        "CREATE INDEX console_alerts_raised ON console_alerts (raised_at)",
        # Each destination (e-mail, webhook) of an alert on its own, so that one failing is retried
        # without sending the other again. state: pending, sent or failed (gave up).
        """CREATE TABLE console_alert_deliveries (
               alert_id VARCHAR(32) NOT NULL,
               destination VARCHAR(16) NOT NULL,
               state VARCHAR(16) NOT NULL,
               attempts INTEGER NOT NULL DEFAULT 0,
               next_attempt_at DOUBLE PRECISION NOT NULL,
               last_error VARCHAR(200),
               sent_at DOUBLE PRECISION,
               PRIMARY KEY (alert_id, destination))""",
        "CREATE INDEX console_alert_deliveries_due ON console_alert_deliveries (state, next_attempt_at)",
    ]


def _disabled_accounts(_db: Database) -> List[Step]:
    # Set when an account is disabled (`python -m careerbot.console disable`): it cannot sign in,
    # and its sessions are refused; NULL for an account in use.
    return ["ALTER TABLE console_users ADD COLUMN disabled_at DOUBLE PRECISION"]


def _redaction_of_spaced_numbers_worded_emails_and_ssns(db: Database) -> List[Step]:
    # Messages summarised before the redactor found numbers spaced out or written with a country
    # code, e-mail addresses written in words and social security numbers keep them in search.
    return [functools.partial(summaries.redact_stored_text_again, db)]


def _conversation_languages(_db: Database) -> List[Step]:
    return [
        # The last value of the conversation's `language` slot, "en" or "es" (NULL: never set, so
        # English; careerbot/console/languages.py), kept by the summary sync from now on and read
        # from the slot events already stored for the conversations summarised before.
        "ALTER TABLE console_conversations ADD COLUMN language VARCHAR(8)",
        "CREATE INDEX console_conversations_language ON console_conversations (language, last_time)",
        summaries.fill_in_languages,
    ]


MIGRATIONS: List[Tuple[int, str, Callable[[Database], List[Step]]]] = [
    (1, "console tables", _initial_schema),
    (2, "crisis alerts", _crisis_alerts),
    (3, "disabled accounts", _disabled_accounts),
    (4, "stored text redacted again", _redaction_of_spaced_numbers_worded_emails_and_ssns),
    (5, "conversation languages", _conversation_languages),
]


def current_version(db: Database) -> int:
    with db.transaction() as connection:
        if not _has_version_table(connection, db):
            return 0
        return connection.execute(text("SELECT MAX(version) FROM console_schema_version")).scalar() or 0


def _has_version_table(connection, db: Database) -> bool:
    if db.is_postgres:
        query = "SELECT 1 FROM information_schema.tables WHERE table_name = 'console_schema_version' " \
                "AND table_schema = current_schema()"
    else:
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'console_schema_version'"
    return connection.execute(text(query)).first() is not None


def migrate(db: Database) -> List[int]:
    """Apply the migrations not yet applied; return their numbers."""
    applied = []
    with db.transaction(write_lock=True) as connection:
        if db.is_postgres:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        if not _has_version_table(connection, db):
            connection.execute(text("CREATE TABLE console_schema_version ("
                                    "version INTEGER PRIMARY KEY, description VARCHAR(200) NOT NULL, "
                                    "applied_at DOUBLE PRECISION NOT NULL)"))
        # Every migration not recorded, in order (not only those above the highest recorded: a test
        # may build a database with one migration left out, to see it applied at start-up).
        done = {row[0] for row in connection.execute(text("SELECT version FROM console_schema_version"))}
        for version, description, steps in MIGRATIONS:
            if version in done:
                continue
            for step in steps(db):
                if callable(step):
                    step(connection)
                else:
                    connection.execute(text(step))
            connection.execute(text("INSERT INTO console_schema_version (version, description, applied_at) "
                                    "VALUES (:v, :d, :t)"), {"v": version, "d": description, "t": time.time()})
            applied.append(version)
    return applied
