"""Lock store race: Rasa's RedisLockStore against serving.lock_store.AtomicRedisLockStore.

Eight stores (as eight Rasa instances would hold) ask the real Redis for 50 tickets each for one
conversation at the same moment. A ticket number given out twice means two turns of one
conversation could run at once. Same run, same Redis, same load for both stores.
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_results  # noqa: E402
from tests.support.lock_race import atomic_store, rasa_store, tickets_issued_concurrently  # noqa: E402
from tests.support.services import private_services  # noqa: E402

ROUNDS = 5


def race(make_store) -> dict:
    duplicates, issued_total, started = 0, 0, time.perf_counter()
    for _ in range(ROUNDS):
        issued = tickets_issued_concurrently(make_store, instances=8, tickets_each=50)
        issued_total += len(issued)
        duplicates += sum(count - 1 for count in Counter(issued).values() if count > 1)
    seconds = time.perf_counter() - started
    return {"tickets": issued_total, "duplicate_tickets": duplicates,
            "tickets_per_second": round(issued_total / seconds)}


def main() -> None:
    # A Redis of its own, as the tests have, unless TEST_REDIS_URL names one.
    with private_services():
        figures = {"rasa RedisLockStore": race(rasa_store),
                   "AtomicRedisLockStore": race(atomic_store)}
    for name, result in figures.items():
        print(f"{name:22s} {result['duplicate_tickets']:5d} duplicate tickets of "
              f"{result['tickets']}, {result['tickets_per_second']} tickets/s")
    write_results("lock_store", {
        "method": f"{ROUNDS} rounds of 8 lock stores x 50 tickets for one conversation, all "
                  "asking at once, against one local Redis", "stores": figures})


if __name__ == "__main__":
    main()
