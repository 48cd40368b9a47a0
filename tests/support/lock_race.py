"""Several lock stores (as several Rasa instances would hold) asking Redis for tickets at once."""
from __future__ import annotations

import threading
import uuid
from typing import Callable, List, Optional

import redis
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from serving.lock_store import AtomicRedisLockStore
from tests.support.services import redis_url


def atomic_store(prefix: str, url: Optional[str] = None) -> AtomicRedisLockStore:
    """Our lock store, as endpoints.yml configures it, on the tests' Redis or at `url`."""
    return AtomicRedisLockStore(EndpointConfig(url=url or redis_url(1), key_prefix=prefix))


def rasa_store(prefix: str) -> RedisLockStore:
    """Rasa's own Redis lock store on the tests' Redis, for comparison."""
    options = redis.connection.parse_url(redis_url(1))
    return RedisLockStore(host=options["host"], port=options["port"], db=options["db"],
                          password=options.get("password"), key_prefix=prefix)


def tickets_issued_concurrently(make_store: Callable[[str], LockStore], instances: int = 8,
                                tickets_each: int = 50) -> List[int]:
    """Every ticket number the stores got for one conversation, all asking at the same moment."""
    prefix = "race" + uuid.uuid4().hex[:8]  # alphanumeric: Rasa ignores other key prefixes
    conversation = "conversation-" + uuid.uuid4().hex
    stores = [make_store(prefix) for _ in range(instances)]
    start = threading.Barrier(instances)
    issued: List[int] = []
    guard = threading.Lock()

    def ask(store: LockStore) -> None:
        start.wait()
        for _ in range(tickets_each):
            ticket = store.issue_ticket(conversation, lock_lifetime=300)
            with guard:
                issued.append(ticket)

    threads = [threading.Thread(target=ask, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stores[0].delete_lock(conversation)
    return issued
