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
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Awaitable, Callable, Optional, Text, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.agent import Agent
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 20.0
T = TypeVar("T")


class TrackerStoreUnavailable(RuntimeError):
    """The conversation database could not be reached in time; the turn was not saved."""


def retry_seconds() -> float:
    return float(os.environ.get("TRACKER_STORE_RETRY_SECONDS") or DEFAULT_RETRY_SECONDS)


def _is_connection_error(error: sqlalchemy.exc.DBAPIError) -> bool:
    """A lost or refused connection (worth retrying), not a bad statement or value."""
    return error.connection_invalidated or isinstance(
        error, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError))


class DurableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Rasa's engine hands out pooled connections without checking them, so the first query
        # after a database restart fails; pre-ping replaces dead connections transparently.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _with_retries(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        deadline = time.monotonic() + retry_seconds()
        delay = 0.2
        while True:
            try:
                return await operation()
            except sqlalchemy.exc.DBAPIError as error:
                if not _is_connection_error(error):
                    raise
                if time.monotonic() + delay > deadline:
                    logger.error("Conversation database unavailable; could not %s.", what)
                    raise TrackerStoreUnavailable(
                        f"The conversation database is unavailable; could not {what}.") from error
                # Only the error class: the message may quote SQL parameters (conversation text).
                logger.warning("Conversation database error (%s); retrying %s.",
                               type(error.orig or error).__name__, what)
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
        await self._with_retries("save the conversation",
                                 lambda: super(DurableSQLTrackerStore, self).save(tracker))


_rasa_create_tracker_store = Agent._create_tracker_store


def _create_tracker_store(store: Optional[TrackerStore], domain) -> TrackerStore:
    if isinstance(store, DurableSQLTrackerStore):
        store.domain = domain
        return store  # not wrapped: its errors must reach the channel, not vanish into memory
    return _rasa_create_tracker_store(store, domain)


def install() -> None:
    Agent._create_tracker_store = staticmethod(_create_tracker_store)
