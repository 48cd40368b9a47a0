"""A Redis lock store whose tickets are issued and returned atomically.

Several Rasa instances share one Redis lock store so that the turns of a conversation are handled
one at a time, in order, whichever instance receives them. Rasa 3.6's `RedisLockStore` updates a
conversation's ticket lock with a plain GET, change, SET: two instances that ask for a ticket at
the same moment can both read the same lock, both get the same ticket number, both believe it is
their turn, and process two messages of one conversation at once (tests/test_scale_out.py shows
the duplicates). Here every change to a lock is a Redis transaction (WATCH/MULTI/EXEC) that is
retried when another instance changed the lock in between.

When Redis is unreachable a turn is refused before anything is processed (the channel tells the
person to send it again); a ticket that cannot be returned after the turn is left to expire.
"""
from __future__ import annotations

import json
import logging
from typing import Callable, Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# A lock left behind by a crashed instance disappears this long after its last ticket expired.
STALE_LOCK_SECONDS = 300


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """From the endpoint configuration (all Rasa passes to a lock store named by module
        path): `url` is a redis:// URL (REDIS_URL, password included), or a host name with
        Rasa's RedisLockStore's other options."""
        url = endpoint_config.url or "localhost"
        if "://" not in url:
            super().__init__(host=url, **endpoint_config.kwargs)
            return
        options = redis.connection.parse_url(url)
        super().__init__(host=options.get("host", "localhost"), port=options.get("port", 6379),
                         db=options.get("db", 0), username=options.get("username"),
                         password=options.get("password"), use_ssl=url.startswith("rediss://"),
                         **endpoint_config.kwargs)

    def _update(self, conversation_id: Text,
                change: Callable[[TicketLock], Optional[int]]) -> Optional[int]:
        """Apply `change` to the conversation's lock in one transaction; return its result.

        The lock is deleted when `change` leaves it without tickets.
        """
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = (TicketLock.from_dict(json.loads(stored)) if stored
                            else TicketLock(conversation_id))
                    result = change(lock)
                    pipe.multi()
                    if lock.tickets:
                        pipe.set(key, lock.dumps(), ex=int(LOCK_LIFETIME) + STALE_LOCK_SECONDS)
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another instance changed this lock first: read it again

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._update(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except redis.RedisError as error:
            raise LockError(f"The lock store is unavailable ({type(error).__name__}).") from error

    def update_lock(self, conversation_id: Text) -> None:
        self._update(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._update(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # The turn has been processed and saved by now: failing here would make the channel ask
        # for the message again and process it twice. The ticket expires by itself instead.
        try:
            self.finish_serving(conversation_id, ticket_number)
        except redis.RedisError as error:
            logger.warning("Could not return a conversation lock ticket (%s); it will expire.",
                           type(error).__name__)
