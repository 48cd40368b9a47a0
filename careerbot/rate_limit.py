"""How fast one client of the chat channels may send: a token bucket for each client.

One widget socket once sent 150 messages in 1.3 s. Each became a turn in the process's turn
queue (connectors/turn_queue.py), first come, first served, so everyone else's messages waited
behind all of them. Here each client (a widget socket; a REST sender at its address) has a bucket
of `burst` tokens that refills at `per_minute` tokens a minute, and a message that finds it empty
is refused with the time until the next token.

Only a message sent while an earlier one of the same client is still being answered takes a
token. A client that waits for each answer has at most one turn in the queue, so it holds no one
else up, however fast it goes; the load tests and benchmarks are such clients, sending back to
back for as long as they run (bench/bench_throughput.py: 40 messages a conversation at up to 8 a
second), and any limit that would stop a flood would refuse them. A person who types on while the
assistant is still answering spends a token a message and stays far below the limit.

Memory stays bounded: a client whose bucket has filled up again and that has no message in
progress is forgotten (a new bucket starts full, so that changes nothing for it), and past
MAX_CLIENTS the clients seen longest ago are forgotten even so.

Each process (Sanic worker) counts for itself. All of a socket's messages reach the process that
holds it, so its limit is exact; a REST sender's may be spread over several processes (the
production profile's instances and workers), each of which allows it the whole limit.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable, Hashable

SLOW_DOWN_NOTE = ("You're sending messages faster than I can read them. "
                  "Please wait a moment and try again.")

# Far more clients than send within a refill time (10 s with the default limits) while the
# assistant is answering everyone; about 250 bytes each.
MAX_CLIENTS = 10_000


class _Client:
    __slots__ = ("tokens", "seen", "in_progress")

    def __init__(self, tokens: float, seen: float) -> None:
        self.tokens = tokens
        self.seen = seen  # when `tokens` was last brought up to date
        self.in_progress = 0


class RateLimiter:
    """Token buckets by client key; `clock` (seconds, monotonic) is replaceable for tests."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = MAX_CLIENTS) -> None:
        self.per_second = per_minute / 60
        self.burst = burst
        self.clock = clock
        self.max_clients = max_clients
        # Least recently seen first, so the clients to forget are at the front.
        self._clients: "OrderedDict[Hashable, _Client]" = OrderedDict()

    def admit(self, client_key: Hashable) -> float:
        """0.0 when the client's message may be handled (call `finished` once it has been
        answered); else the seconds until the client may send another."""
        now = self.clock()
        client = self._clients.get(client_key)
        if client is None:
            self._forget_idle(now)
            client = self._clients[client_key] = _Client(self.burst, now)
        else:
            self._clients.move_to_end(client_key)
            client.tokens = min(self.burst, client.tokens + (now - client.seen) * self.per_second)
            client.seen = now
        if client.in_progress:
            if client.tokens < 1:
                return (1 - client.tokens) / self.per_second
            client.tokens -= 1
        client.in_progress += 1
        return 0.0

    def finished(self, client_key: Hashable) -> None:
        """The message `admit` let through has been answered (or has failed)."""
        client = self._clients.get(client_key)
        if client is not None and client.in_progress:  # else forgotten past max_clients
            client.in_progress -= 1

    def _forget_idle(self, now: float) -> None:
        clients = self._clients
        while clients:
            oldest = next(iter(clients.values()))
            refilled = oldest.tokens + (now - oldest.seen) * self.per_second >= self.burst
            if len(clients) < self.max_clients and (oldest.in_progress or not refilled):
                return
            clients.popitem(last=False)
