"""Turns are handled a few at a time, in the order they arrive.

Sanic starts a handler for each request as soon as it is read, so under load dozens of turns
share one event loop, and each time a turn waits (for the action server, Redis, the database) it
goes to the back of the queue behind every other turn in progress. A referral turn waits twice,
so at 50 conversations it took several times as long as a greeting: p95 was 2.4 to 3.4 times the
median. Here at most MAX_CONCURRENT_TURNS turns of a process are in progress (enough to keep the
CPU busy while one of them waits for the action server) and the others wait their turn, first
come, first served (asyncio.Semaphore wakes its waiters in order), so every turn waits about as
long as the others and is then handled without being interleaved with dozens more.

Telegram and Slack turns do not take a slot: their replies are sent to Telegram's or Slack's API
during the turn, so a slow or unreachable API would hold every slot and keep the website's
visitors waiting. People on those channels send few enough messages that queueing them gains
nothing.

The slot is taken before the conversation's lock, so a turn that waits for its conversation's
lock has been admitted already and the turn holding the lock is never kept out by it.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from typing import AsyncIterator

DEFAULT_CONCURRENT_TURNS = 4

# One per event loop: each Sanic worker process has its own loop, and a semaphore may only be
# used on the loop it was made on.
_slots_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = (
    weakref.WeakKeyDictionary())


def concurrent_turns() -> int:
    value = os.environ.get("MAX_CONCURRENT_TURNS") or DEFAULT_CONCURRENT_TURNS
    try:
        turns = int(value)
    except ValueError:
        raise SystemExit(f"MAX_CONCURRENT_TURNS must be a whole number of turns, not {value!r}.")
    if turns < 1:
        raise SystemExit("MAX_CONCURRENT_TURNS must be at least 1.")
    return turns


@contextlib.asynccontextmanager
async def turn_slot() -> AsyncIterator[None]:
    """Wait for one of the process's turn slots and hold it for the block."""
    loop = asyncio.get_running_loop()
    slots = _slots_by_loop.get(loop)
    if slots is None:
        slots = _slots_by_loop[loop] = asyncio.Semaphore(concurrent_turns())
    async with slots:
        yield
