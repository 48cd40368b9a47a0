"""The console's per-process state in the web app: database, summary sync, crisis alert sender and
worker threads."""
from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor

from careerbot.alerts import AlertSender
from careerbot.console.db import Database
from careerbot.console.migrations import migrate
from careerbot.console.summaries import BATCH_SIZE, SummarySync
from careerbot.settings import AlertSettings

logger = logging.getLogger(__name__)
# How often new events are looked for when idle. They are also summarised before each page, but a
# crisis alert waits for this look. A quarter second puts the alert 0.03 to 0.3 s after the message
# (tests/test_crisis_alerts.py prints it; 2 s put it up to 2 s after) and costs an idle web app
# 0.4 % of a core on SQLite instead of 0.05 % (a few indexed reads four times a second).
IDLE_SYNC_INTERVAL_SECONDS = 0.25


class StaffRuntime:
    def __init__(self, alert_settings: AlertSettings) -> None:
        self.db = Database()
        migrate(self.db)
        self.alerts = AlertSender(self.db, alert_settings)
        self.summaries = SummarySync(self.db, on_alerts_recorded=self.alerts.wake)
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
        self.alerts.close()
        self.executor.shutdown(wait=True)
        self.db.dispose()
