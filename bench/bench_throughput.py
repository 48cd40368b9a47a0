"""Throughput: many conversations at once over the REST channel, with an asyncio + aiohttp load
generator, against the default set-up (SQLite tracker store), PostgreSQL, and the production
profile (`make run-production`: two Rasa instances of one Sanic worker each behind nginx,
PostgreSQL, Redis lock store, two action servers; `--production-workers` gives each instance more).

    .venv/bin/python bench/bench_throughput.py [--levels 10,50,100] [--messages 40]
        [--time-limit 60] [--backends sqlite,postgresql,production]
        [--paced-rates 75,100,125] [--paced-seconds 20] [--production-workers 1]

Saturation levels: each simulated person sends its messages one after the other, waiting for
each reply, with no think time (the worst case for the server): the messages per second are what
the server can answer at most, and by Little's law the mean wait is conversations / throughput.
Paced runs: the target's 50 people each send one message every 50 / rate seconds (or as soon as
the reply comes, if it is later), so that together they offer `rate` messages a second: the wait
a person sees when the assistant carries that load. A level stops at its time limit; unfinished
conversations count as stopped, not as errors. Errors are non-200 answers, empty replies and
requests over 30 s. Target at 50 conversations: >= 100 messages/s, p95 <= 500 ms, no errors.
Writes bench/results/throughput.json.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterator, NamedTuple

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    CONTENT_QUESTION, GREETING, REFERRAL_REQUEST, cpu_seconds, peak_rss_mb, postgres_database,
    running_assistant, sender_ids, summarize_ms, write_results,
)
from careerbot.production import DEFAULT_RASA_INSTANCES, DEFAULT_WORKERS  # noqa: E402
from tests.support.production import start_production  # noqa: E402

SCRIPT = [GREETING, CONTENT_QUESTION, "tell me more", REFERRAL_REQUEST, "thank you"]
TARGET = {"conversations": 50, "messages_per_second": 100, "p95_ms": 500, "errors": 0}
REQUEST_TIMEOUT_S = 30


class Webhook(NamedTuple):
    """Where the load is sent, and the headers the channel requires (the production profile's
    REST channel takes only callers with its token)."""
    url: str
    headers: Dict[str, str]


async def conversation(session, url, sender, messages, deadline, timings, errors,
                       interval: float = 0.0, first_delay: float = 0.0) -> None:
    """One person's messages; with an interval, each message is sent that long after the one
    before it, or when its reply came if that was later."""
    await asyncio.sleep(first_delay)
    for index in range(messages):
        if time.monotonic() >= deadline:
            return
        started = time.perf_counter()
        if interval and index:
            await asyncio.sleep(max(0.0, sent_at + interval - started))
            started = time.perf_counter()
        sent_at = started
        try:
            async with session.post(url, json={"sender": sender, "message": SCRIPT[index % len(SCRIPT)]}) as response:
                body = await response.json(content_type=None)
                if response.status != 200 or not body:
                    errors.append(f"HTTP {response.status}: {str(body)[:200]}")
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            errors.append(f"{type(error).__name__}: {error}"[:200])
            continue
        timings.append((time.perf_counter() - started) * 1000)


async def run_level(webhook: Webhook, conversations: int, messages: int, time_limit: float, senders,
                    offered_rate: float = 0.0) -> dict:
    """Without an offered rate, no think time; with one, the people's first messages are spread
    evenly over one interval, as their later ones are."""
    timings, errors = [], []
    interval = conversations / offered_rate if offered_rate else 0.0
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=conversations)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector,
                                     headers=webhook.headers) as session:
        started = time.perf_counter()
        deadline = time.monotonic() + time_limit
        await asyncio.gather(*(conversation(session, webhook.url, next(senders), messages, deadline, timings,
                                            errors, interval, first_delay=interval * n / conversations)
                               for n in range(conversations)))
        elapsed = time.perf_counter() - started
    planned = conversations * messages
    return {"conversations": conversations, "offered_messages_per_second": offered_rate or None,
            "messages_planned": planned,
            "messages_answered": len(timings), "errors": len(errors),
            "stopped_by_time_limit": planned - len(timings) - len(errors),
            "seconds": round(elapsed, 1), "messages_per_second": round(len(timings) / elapsed, 1),
            "latency": summarize_ms(timings), "error_samples": errors[:5]}


@contextlib.contextmanager
def single_server(extra_env: dict, memory: dict) -> Iterator[tuple]:
    """The REST webhook's URL and the server processes, by kind, whose CPU time is measured."""
    with running_assistant(extra_env, memory=memory) as assistant:
        yield (Webhook(f"{assistant.url}/webhooks/rest/webhook", {}),
               {"rasa": [assistant.rasa.process.pid], "actions": [assistant.actions.process.pid]})


@contextlib.contextmanager
def production_profile(memory: dict, workers: int) -> Iterator[tuple]:
    with tempfile.TemporaryDirectory(prefix="careerbot-bench-") as work:
        running = start_production(Path(work), instances=DEFAULT_RASA_INSTANCES, workers=workers)
        postmaster = int((running.postgres.data / "postmaster.pid").read_text().split()[0])
        processes = {"postgresql": [postmaster], "redis": [running.redis.process.pid]}
        for name, server in running.servers.items():
            processes.setdefault(running.processes[name].kind, []).append(server.process.pid)
        try:
            yield Webhook(f"{running.public_url}/webhooks/rest/webhook", running.rest_headers), processes
        finally:
            memory.update({f"{name} peak_rss_mb": peak_rss_mb(server.process.pid)
                           for name, server in running.servers.items() if name != "nginx"})
            running.stop()


def cpu_by_kind(processes: dict) -> dict:
    return {kind: sum(cpu_seconds(pid) for pid in pids) for kind, pids in processes.items()}


def measured_level(name: str, webhook: Webhook, processes: dict, conversations: int, messages: int,
                   time_limit: float, senders, offered_rate: float = 0.0) -> dict:
    before = cpu_by_kind(processes)
    figures = asyncio.run(run_level(webhook, conversations, messages, time_limit, senders, offered_rate))
    after = cpu_by_kind(processes)
    answered = max(figures["messages_answered"], 1)
    figures["cpu_ms_per_message"] = {kind: round((after[kind] - before[kind]) * 1000 / answered, 2)
                                     for kind in processes}
    pace = f"offered {offered_rate:g} msg/s" if offered_rate else "no think time"
    print(f"{name:10} {conversations:4d} conversations, {pace}: {figures['messages_per_second']:6.1f} msg/s, "
          f"p50 {figures['latency'].get('p50_ms')} p95 {figures['latency'].get('p95_ms')} ms, "
          f"{figures['errors']} errors, {figures['stopped_by_time_limit']} not sent (time limit) "
          f"in {figures['seconds']} s; CPU ms a message {figures['cpu_ms_per_message']}", flush=True)
    return figures


def bench_backend(name: str, server, levels, messages: int, time_limit: float,
                  paced_rates, paced_seconds: float) -> dict:
    memory: dict = {}
    with server(memory) as (webhook, processes):
        senders = sender_ids(f"load-{name}")
        asyncio.run(run_level(webhook, 5, len(SCRIPT), time_limit, senders))  # warm-up
        saturation = [measured_level(name, webhook, processes, level, messages, time_limit, senders)
                      for level in levels]
        people = TARGET["conversations"]
        paced = [measured_level(name, webhook, processes, people, math.ceil(paced_seconds * rate / people),
                                paced_seconds + time_limit, senders, offered_rate=rate)
                 for rate in paced_rates]
    return {"levels": saturation, "paced": paced, "server_memory": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="10,50,100")
    parser.add_argument("--messages", type=int, default=40, help="messages per conversation")
    parser.add_argument("--time-limit", type=float, default=60, help="seconds per level")
    parser.add_argument("--backends", default="sqlite,postgresql,production")
    parser.add_argument("--paced-rates", default="75,100,125",
                        help="messages/s offered by 50 paced conversations, one run each")
    parser.add_argument("--paced-seconds", type=float, default=20, help="length of each paced run")
    parser.add_argument("--production-workers", type=int, default=DEFAULT_WORKERS,
                        help="Sanic workers in each Rasa instance of the production profile")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    paced = [float(n) for n in args.paced_rates.split(",") if n]
    run_backend = functools.partial(bench_backend, levels=levels, messages=args.messages,
                                    time_limit=args.time_limit, paced_rates=paced,
                                    paced_seconds=args.paced_seconds)
    backends = {}
    for backend in args.backends.split(","):
        if backend == "postgresql":
            with postgres_database() as database_url:
                server = functools.partial(single_server, {"DATABASE_URL": database_url})
                backends[backend] = run_backend(backend, server)
        elif backend == "production":
            backends[backend] = run_backend(
                backend, functools.partial(production_profile, workers=args.production_workers))
        else:
            backends[backend] = run_backend(backend, functools.partial(single_server, {}))
    write_results("throughput", {
        "method": f"asyncio + aiohttp, N concurrent conversations of {args.messages} messages each "
                  f"(cycling {SCRIPT}), no think time, {args.time_limit:g} s limit per level; then "
                  f"{TARGET['conversations']} conversations paced to offer {args.paced_rates} msg/s "
                  f"for {args.paced_seconds:g} s each (every person one message each "
                  f"{TARGET['conversations']} / rate seconds, or at the reply if later); "
                  "fresh sender ids; sqlite/postgresql: one Rasa server with the in-memory lock "
                  f"store (the default); production: make run-production's topology, "
                  f"{DEFAULT_RASA_INSTANCES} Rasa instances of {args.production_workers} Sanic worker(s); "
                  "CPU ms a message: "
                  "user + system time of each kind of server process (and its children) during the "
                  "level, from /proc, over the messages answered",
        "target": TARGET, "backends": backends})


if __name__ == "__main__":
    main()
