"""The console's per-process state in the web app: database, summary sync and worker threads."""
from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor

from careerbot.console.db import Database
from careerbot.console.migrations import migrate
from careerbot.console.summaries import BATCH_SIZE, SummarySync

logger = logging.getLogger(__name__)
# Catch-up pace when idle: new events are also summarised before each page, so this only
# matters for events that arrive while nobody looks (and for the first catch-up).
IDLE_SYNC_INTERVAL_SECONDS = 2.0


class StaffRuntime:
    def __init__(self) -> None:
        self.db = Database()
        migrate(self.db)
        self.summaries = SummarySync(self.db)
        # Database work runs on threads so that a slow query or a large export does not hold up
        # the event loop that also serves the chat widget.
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="staff-db")

    async def run(self, function, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(function, *args, **kwargs))

    async def refresh_summaries(self) -> int:
        """Summarise events that arrived since the last run (one batch at most, to stay quick)."""
        return await self.run(self.summaries.run, 1)

    async def keep_summaries_current(self) -> None:
        while True:
            try:
                processed = await self.refresh_summaries()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be restarting; try again on the next tick
                logger.exception("Updating conversation summaries failed")
                processed = 0
            await asyncio.sleep(0 if processed >= BATCH_SIZE else IDLE_SYNC_INTERVAL_SECONDS)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.db.dispose()
