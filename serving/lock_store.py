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
`TicketLock` read it as before (a ticket's extra "holder" field is ignored by Rasa's `Ticket`).

A ticket held by an instance that died mid-turn (killed, out of memory, its machine gone) would
block the conversation's next turns until it expired (TICKET_LOCK_LIFETIME, 60 s): the turn nginx
sends again to another instance would wait that long and fail. So each ticket names its holder, a
random id per lock store (one per Rasa process), and the holder keeps a heartbeat key in Redis with
a time to live of HOLDER_TTL_SECONDS, refreshed every HEARTBEAT_SECONDS by a daemon thread (a
thread, not a task on Sanic's event loop: a turn that keeps the loop busy for a while must not let
its own ticket go), and by each change it makes to a lock. The script drops the tickets whose
holder's heartbeat is gone along with the expired ones, so a dead instance's ticket stops blocking
within seconds, and a live instance's ticket still lasts its lifetime. The thread starts with the
first ticket issued, in the process that serves (Rasa creates its lock store there, in each Sanic
worker); the heartbeat is also set in the script that issues a ticket, so no ticket exists without
one, and turns make no more round trips to Redis than before.

When Redis is unreachable a turn is refused before anything is processed (the channel tells the
person to send it again); a ticket that cannot be returned after the turn is left to expire.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Optional, Text

import redis
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# A lock left behind by a crashed instance disappears this long after its last ticket expired.
STALE_LOCK_SECONDS = 300

# A live instance refreshes its heartbeat this often; a dead instance's tickets stop blocking at
# most this long after its last beat (a live one's beat may be that late before its tickets go).
HEARTBEAT_SECONDS = 1
HOLDER_TTL_SECONDS = 5
HOLDER_KEY_PREFIX = "careerbot:lock-holder:"


# One change to a conversation's lock, as TicketLock makes it, atomically. The lock is Rasa's JSON:
# {"conversation_id": ..., "tickets": ["{\"number\": 0, \"expires\": 1700000000.5, ...}", ...]},
# each ticket with its holder's id ("holder"). KEYS: the lock, the caller's heartbeat key (set
# again here: the caller is alive).
# ARGV: operation ("issue", "return" or "expire"), conversation id, the caller's clock (tickets
# expire by the Rasa instances' clocks, as in Rasa), the new ticket's lifetime, the ticket to
# return, the lock key's time to live, the caller's holder id, the heartbeat's time to live, the
# heartbeat keys' prefix. Tickets without a holder (written by Rasa's own RedisLockStore) last
# until they expire. A ticket is returned only by its holder: if a holder's heartbeat was late and
# its ticket was dropped, its number may be issued again, and that ticket is not the late one's.
# Returns the ticket issued (-1 for the other operations).
CHANGE_LOCK = """
local operation, now = ARGV[1], tonumber(ARGV[3])
redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[8]))
local alive = {}
local function holder_alive(holder)
  if alive[holder] == nil then
    alive[holder] = redis.call('EXISTS', ARGV[9] .. holder) == 1
  end
  return alive[holder]
end
local stored = redis.call('GET', KEYS[1])
local tickets, last_issued = {}, -1
if stored then
  for _, encoded in ipairs(cjson.decode(stored).tickets or {}) do
    local ticket = cjson.decode(encoded)
    if ticket.expires >= now and (ticket.holder == nil or holder_alive(ticket.holder))
       and not (operation == 'return' and ticket.number == tonumber(ARGV[5])
                and (ticket.holder == nil or ticket.holder == ARGV[7])) then
      table.insert(tickets, encoded)
      last_issued = ticket.number
    end
  end
end
local issued = -1
if operation == 'issue' then
  issued = last_issued + 1
  table.insert(tickets, cjson.encode({number = issued, expires = now + tonumber(ARGV[4]),
                                      holder = ARGV[7]}))
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
        self.holder = uuid.uuid4().hex
        self._heartbeat: Optional[threading.Thread] = None
        self._heartbeat_starting = threading.Lock()

    def _change(self, conversation_id: Text, operation: Text, ticket_number: int = -1,
                lifetime: float = 0) -> int:
        """Run CHANGE_LOCK on the conversation's lock; the ticket number it returns."""
        return int(self._change_lock(
            keys=[self.key_prefix + conversation_id, HOLDER_KEY_PREFIX + self.holder],
            args=[operation, conversation_id, time.time(), lifetime, ticket_number,
                  int(LOCK_LIFETIME) + STALE_LOCK_SECONDS, self.holder, HOLDER_TTL_SECONDS,
                  HOLDER_KEY_PREFIX]))

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket = self._change(conversation_id, "issue", lifetime=lock_lifetime)
        except redis.RedisError as error:
            raise LockError(f"The lock store is unavailable ({type(error).__name__}).") from error
        self._keep_heartbeat()
        return ticket

    def _keep_heartbeat(self) -> None:
        """Start the heartbeat thread if it is not running yet."""
        if self._heartbeat is None:
            with self._heartbeat_starting:
                if self._heartbeat is None:
                    self._heartbeat = threading.Thread(target=self._beat, daemon=True,
                                                       name="lock-holder-heartbeat")
                    self._heartbeat.start()

    def _beat(self) -> None:
        """Refresh this holder's heartbeat key for as long as the process lives."""
        failing = False
        while True:
            try:
                self.red.set(HOLDER_KEY_PREFIX + self.holder, 1, ex=HOLDER_TTL_SECONDS)
                failing = False
            except Exception as error:  # noqa: BLE001 -- the beat must survive any error
                if not failing:  # once per outage, not every second
                    logger.warning("Could not refresh the lock holder's heartbeat (%s); this "
                                   "instance's tickets stop blocking others if it lasts.",
                                   type(error).__name__)
                failing = True
            time.sleep(HEARTBEAT_SECONDS)

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
