"""A Redis lock store whose tickets are issued and returned atomically.

Several Rasa instances share one Redis lock store so that the turns of a conversation are handled
one at a time, in order, whichever instance receives them. Rasa 3.6's `RedisLockStore` updates a
conversation's ticket lock with a plain GET, change, SET: two instances that ask for a ticket at
the same moment can both read the same lock, both get the same ticket number, both believe it is
their turn, and process two messages of one conversation at once (tests/test_scale_out.py shows
the duplicates). Here every change to a lock is one Lua script that Redis runs atomically: it
reads the lock, drops expired tickets, issues or returns a ticket and writes the lock back in one
round trip (a WATCH/GET/MULTI/SET/EXEC transaction took three, twice a turn, each blocking the
server's event loop while it waited). The lock keeps Rasa's format, so Rasa's `get_lock` and
`TicketLock` read it as before.

When Redis is unreachable a turn is refused before anything is processed (the channel tells the
person to send it again); a ticket that cannot be returned after the turn is left to expire.
"""
from __future__ import annotations

import logging
import time
from typing import Text

import redis
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# A lock left behind by a crashed instance disappears this long after its last ticket expired.
STALE_LOCK_SECONDS = 300


# One change to a conversation's lock, as TicketLock makes it, atomically. The lock is Rasa's JSON:
# {"conversation_id": ..., "tickets": ["{\"number\": 0, \"expires\": 1700000000.5}", ...]}.
# ARGV: operation ("issue", "return" or "expire"), conversation id, the caller's clock (tickets
# expire by the Rasa instances' clocks, as in Rasa), the new ticket's lifetime, the ticket to
# return, the key's time to live. Returns the ticket issued (-1 for the other operations).
CHANGE_LOCK = """
local operation, now = ARGV[1], tonumber(ARGV[3])
local stored = redis.call('GET', KEYS[1])
local tickets, last_issued = {}, -1
if stored then
  for _, encoded in ipairs(cjson.decode(stored).tickets or {}) do
    local ticket = cjson.decode(encoded)
    if ticket.expires >= now and not (operation == 'return' and ticket.number == tonumber(ARGV[5])) then
      table.insert(tickets, encoded)
      last_issued = ticket.number
    end
  end
end
local issued = -1
if operation == 'issue' then
  issued = last_issued + 1
  table.insert(tickets, cjson.encode({number = issued, expires = now + tonumber(ARGV[4])}))
end
if #tickets == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[2], tickets = tickets}),
             'EX', tonumber(ARGV[6]))
end
return issued
"""


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """From the endpoint configuration (all Rasa passes to a lock store named by module
        path): `url` is a redis:// URL (REDIS_URL, password included), or a host name with
        Rasa's RedisLockStore's other options."""
        url = endpoint_config.url or "localhost"
        if "://" in url:
            options = redis.connection.parse_url(url)
            super().__init__(host=options.get("host", "localhost"),
                             port=options.get("port", 6379), db=options.get("db", 0),
                             username=options.get("username"), password=options.get("password"),
                             use_ssl=url.startswith("rediss://"), **endpoint_config.kwargs)
        else:
            super().__init__(host=url, **endpoint_config.kwargs)
        # Sent by its SHA1 (EVALSHA); redis-py loads it again if Redis restarted and forgot it.
        self._change_lock = self.red.register_script(CHANGE_LOCK)

    def _change(self, conversation_id: Text, operation: Text, ticket_number: int = -1,
                lifetime: float = 0) -> int:
        """Run CHANGE_LOCK on the conversation's lock; the ticket number it returns."""
        return int(self._change_lock(
            keys=[self.key_prefix + conversation_id],
            args=[operation, conversation_id, time.time(), lifetime, ticket_number,
                  int(LOCK_LIFETIME) + STALE_LOCK_SECONDS]))

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, "issue", lifetime=lock_lifetime)
        except redis.RedisError as error:
            raise LockError(f"The lock store is unavailable ({type(error).__name__}).") from error

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, "expire")

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, "return", ticket_number=ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # The turn has been processed and saved by now: failing here would make the channel ask
        # for the message again and process it twice. The ticket expires by itself instead.
        try:
            self.finish_serving(conversation_id, ticket_number)
        except redis.RedisError as error:
            logger.warning("Could not return a conversation lock ticket (%s); it will expire.",
                           type(error).__name__)
