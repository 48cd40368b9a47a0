"""Database access for the staff console: one engine on the tracker database, SQLite or PostgreSQL.

The console's tables live next to Rasa's `events` table (prefixed `console_`). Queries are plain
SQL with bound parameters; the few places where the two dialects differ go through the small
helpers on `Database`, so the rest of the console is written once.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator, Optional

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine

from careerbot.settings import database_url

# Rasa's SQLTrackerStore table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent).
EVENTS_TABLE = "events"
# How every process opens the SQLite conversations file (the console here, the Rasa server's
# tracker store in serving/tracker_store.py): write-ahead log, so readers never block the writer
# and a commit is an append, not an fsync'd journal; a commit survives a crash of the process.
SQLITE_WRITE_AHEAD_LOG = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def normalize_url(url: str) -> str:
    """SQLAlchemy 1.4 only accepts `postgresql://`; people and Heroku-style hosts also write `postgres://`."""
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://"):]
    return url


class Database:
    """An engine plus the dialect-specific bits of SQL the console needs."""

    def __init__(self, url: Optional[str] = None) -> None:
        self.url = normalize_url(url or database_url())
        self.is_postgres = self.url.startswith("postgresql")
        if not self.is_postgres and not self.url.startswith("sqlite"):
            raise ValueError("DATABASE_URL must be a postgresql:// URL")
        self.engine = self._create_engine()
        self._events_table_seen = False
        self._events_table_lock = threading.Lock()

    def _create_engine(self) -> Engine:
        if self.is_postgres:
            return sa.create_engine(self.url, pool_size=5, max_overflow=5, pool_pre_ping=True,
                                    future=True)
        # The web app runs queries on worker threads; each connection is used by one thread at a
        # time, which is what check_same_thread guards against.
        engine = sa.create_engine(self.url, future=True,
                                  connect_args={"timeout": 30, "check_same_thread": False},
                                  poolclass=sa.pool.QueuePool, pool_size=5, max_overflow=5)

        # pysqlite opens transactions lazily and never for SELECTs; take control of BEGIN so that
        # a read-modify-write (the summary sync) can hold the write lock from its first read.
        @sa_event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            for pragma in SQLITE_WRITE_AHEAD_LOG:
                cursor.execute(pragma)
            cursor.close()

        @sa_event.listens_for(engine, "begin")
        def _on_begin(connection):
            mode = connection.get_execution_options().get("sqlite_begin", "")
            connection.exec_driver_sql(f"BEGIN {mode}".strip())

        return engine

    @contextlib.contextmanager
    def transaction(self, write_lock: bool = False) -> Iterator[Connection]:
        """A transaction; `write_lock` takes SQLite's write lock up front (BEGIN IMMEDIATE)."""
        with self.engine.connect() as connection:
            if write_lock and not self.is_postgres:
                connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection

    def events_table_exists(self) -> bool:
        """Rasa creates `events` when its server first starts, which may be after the console."""
        if not self._events_table_seen:
            with self._events_table_lock:
                self._events_table_seen = sa.inspect(self.engine).has_table(EVENTS_TABLE)
        return self._events_table_seen

    # --- dialect differences -------------------------------------------------------------

    def greatest(self, a: str, b: str) -> str:
        """Larger of two non-null SQL expressions."""
        return f"GREATEST({a}, {b})" if self.is_postgres else f"MAX({a}, {b})"

    def least(self, a: str, b: str) -> str:
        """Smaller of two non-null SQL expressions."""
        return f"LEAST({a}, {b})" if self.is_postgres else f"MIN({a}, {b})"

    def bucket(self, column: str, seconds: int) -> str:
        """Integer bucket number of a UNIX-time column (seconds // `seconds`)."""
        if self.is_postgres:
            return f"CAST(FLOOR({column} / {seconds}) AS BIGINT)"
        return f"CAST({column} / {seconds} AS INTEGER)"

    def dispose(self) -> None:
        self.engine.dispose()
