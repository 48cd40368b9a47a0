"""Single-user latency: REST round trip of three kinds of turn, and the bare NLU parse of the
same messages, measured in the same run.

    .venv/bin/python bench/bench_latency.py [--requests 200]

Each timed sample is a new conversation (fresh sender id): the greeting is timed as its first
turn; the content answer and the referral are timed as the second turn, after an untimed "hi",
as a person would ask them. Each sample is paired with a POST /model/parse of the same text, so
both see the same machine load. Target: round trip p50 <= 2.5 x parse p50.
Writes bench/results/latency.json.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    CONTENT_QUESTION, GREETING, REFERRAL_REQUEST, RestClient, running_assistant, sender_ids,
    summarize_ms, write_results,
)

TURNS = {"greeting": (GREETING, False), "content answer": (CONTENT_QUESTION, True),
         "referral": (REFERRAL_REQUEST, True)}
TARGET_RATIO = 2.5
WARM_UP = 20


def measure(client: RestClient, text: str, after_greeting: bool, requests: int, senders) -> dict:
    round_trips, parses = [], []
    for index in range(WARM_UP + requests):
        sender = next(senders)
        if after_greeting:
            client.send(sender, GREETING)
        elapsed, replies = client.send(sender, text)
        if not replies:
            raise RuntimeError(f"no reply to {text!r}")
        parse_elapsed, _ = client.parse(text)
        if index >= WARM_UP:
            round_trips.append(elapsed)
            parses.append(parse_elapsed)
    rest, parse = summarize_ms(round_trips), summarize_ms(parses)
    return {"text": text, "timed_as_turn": 2 if after_greeting else 1, "rest": rest, "parse": parse,
            "ratio_p50": round(rest["p50_ms"] / parse["p50_ms"], 2),
            "meets_target": rest["p50_ms"] <= TARGET_RATIO * parse["p50_ms"],
            "samples_ms": {"rest": [round(x, 2) for x in round_trips],
                           "parse": [round(x, 2) for x in parses]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    memory: dict = {}
    results = {}
    with running_assistant(memory=memory) as assistant:
        client = RestClient(assistant)
        senders = sender_ids("latency")
        for name, (text, after_greeting) in TURNS.items():
            results[name] = figures = measure(client, text, after_greeting, args.requests, senders)
            print(f"{name:15} REST p50 {figures['rest']['p50_ms']:6.1f} p95 {figures['rest']['p95_ms']:6.1f} "
                  f"p99 {figures['rest']['p99_ms']:6.1f} ms | parse p50 {figures['parse']['p50_ms']:5.1f} "
                  f"p95 {figures['parse']['p95_ms']:5.1f} ms | ratio {figures['ratio_p50']:.2f} "
                  f"(target <= {TARGET_RATIO})", flush=True)
    write_results("latency", {
        "method": f"one client, keep-alive HTTP, {args.requests} timed samples per turn after "
                  f"{WARM_UP} warm-up; fresh sender id per sample; POST /webhooks/rest/webhook vs "
                  "POST /model/parse of the same text, interleaved",
        "target_ratio_p50": TARGET_RATIO, "turns": results, "server_memory": memory})


if __name__ == "__main__":
    main()
