"""The atomic Redis lock store against a real Redis (the tests' own, tests/support/services.py)."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from rasa.core.lock_store import LOCK_LIFETIME, LockError

from careerbot.settings import PROJECT_ROOT
from serving.lock_store import HOLDER_TTL_SECONDS, STALE_LOCK_SECONDS
from tests.support.lock_race import atomic_store, tickets_issued_concurrently
from tests.support.servers import free_port

# A Rasa instance in the middle of a turn: it holds the conversation's ticket and keeps beating.
MID_TURN = """
import sys, time
from tests.support.lock_race import atomic_store
print(atomic_store(sys.argv[1]).issue_ticket(sys.argv[2], lock_lifetime=60), flush=True)
time.sleep(600)
"""


def test_tickets_stay_unique_and_in_order_when_instances_ask_at_the_same_moment():
    issued = tickets_issued_concurrently(atomic_store, instances=8, tickets_each=50)
    assert sorted(issued) == list(range(400))  # no ticket given twice, none skipped


def test_turns_of_one_conversation_are_served_one_after_another():
    first, second = atomic_store("turns"), atomic_store("turns")
    conversation = uuid.uuid4().hex
    ticket_a = first.issue_ticket(conversation)
    ticket_b = second.issue_ticket(conversation)
    assert not second.get_lock(conversation).is_locked(ticket_a)
    assert second.get_lock(conversation).is_locked(ticket_b)  # waits for the first turn
    first.cleanup(conversation, ticket_a)
    assert not second.get_lock(conversation).is_locked(ticket_b)
    second.cleanup(conversation, ticket_b)
    assert second.get_lock(conversation) is None  # nothing left behind in Redis


def test_unreachable_redis_refuses_the_ticket_with_a_lock_error():
    store = atomic_store("down", url=f"redis://127.0.0.1:{free_port()}/1")  # nothing listens there
    with pytest.raises(LockError, match="lock store is unavailable"):
        store.issue_ticket("someone")
    store.cleanup("someone", 0)  # after a turn: logged, not raised (the turn was already saved)


def test_a_ticket_left_by_a_crashed_instance_expires_and_the_next_turn_is_served():
    crashed, alive = atomic_store("expiry"), atomic_store("expiry")
    conversation = uuid.uuid4().hex
    crashed.issue_ticket(conversation, lock_lifetime=0.2)  # never returned
    waiting = alive.issue_ticket(conversation, lock_lifetime=30)
    assert alive.get_lock(conversation).is_locked(waiting)
    time.sleep(0.3)
    alive.update_lock(conversation)  # what Rasa calls while a turn waits
    lock = alive.get_lock(conversation)
    assert [ticket.number for ticket in lock.tickets] == [waiting] and not lock.is_locked(waiting)
    key = alive.key_prefix + conversation
    assert LOCK_LIFETIME < alive.red.ttl(key) <= LOCK_LIFETIME + STALE_LOCK_SECONDS  # no leftovers
    alive.cleanup(conversation, waiting)
    assert alive.get_lock(conversation) is None


def test_a_ticket_held_by_an_instance_killed_mid_turn_stops_blocking_within_seconds():
    conversation, alive = uuid.uuid4().hex, atomic_store("killed")
    instance = subprocess.Popen([sys.executable, "-c", MID_TURN, "killed", conversation],
                                cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        assert instance.stdout.readline().strip() == "0"  # its ticket, for 60 s
        time.sleep(2)  # its heartbeat thread has beaten since
    finally:
        instance.send_signal(signal.SIGKILL)
        instance.wait()
    killed_at = time.monotonic()

    async def next_turn() -> float:  # as Rasa waits for the lock: update_lock every second
        async with alive.lock(conversation) as lock:
            assert [ticket.number for ticket in lock.tickets] == [1]
            return time.monotonic() - killed_at
    waited = asyncio.run(next_turn())
    assert waited < HOLDER_TTL_SECONDS + 2  # not the ticket's 60 s
    assert alive.get_lock(conversation) is None


def test_a_live_instance_s_ticket_blocks_the_next_turn_for_as_long_as_it_is_held():
    first, second = atomic_store("live"), atomic_store("live")
    conversation = uuid.uuid4().hex
    ticket_a = first.issue_ticket(conversation, lock_lifetime=60)
    ticket_b = second.issue_ticket(conversation, lock_lifetime=60)
    assert first.holder != second.holder
    time.sleep(HOLDER_TTL_SECONDS + 2)  # longer than a heartbeat lives: it has been refreshed
    second.update_lock(conversation)
    assert [ticket.number for ticket in second.get_lock(conversation).tickets] == [0, 1]
    assert second.get_lock(conversation).is_locked(ticket_b)
    second.finish_serving(conversation, ticket_a)  # a ticket is returned only by its holder
    assert second.get_lock(conversation).is_locked(ticket_b)
    first.cleanup(conversation, ticket_a)
    assert not second.get_lock(conversation).is_locked(ticket_b)
    second.cleanup(conversation, ticket_b)
    assert second.get_lock(conversation) is None
