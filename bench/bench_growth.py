"""Growth: does a turn get slower as a conversation grows, or as the tracker store fills up?

    .venv/bin/python bench/bench_growth.py [--turns 200] [--long-conversations 3]
        [--stored 1000,100000]

1. Long conversations: each cycles through four simple messages for 200 turns; every turn is
   timed. The figure at turn k is the mean, over the 4-turn cycle that contains turn k (turn 1:
   turns 1-4, turn 200: turns 197-200), of each turn's median across the long conversations: the
   same mix of messages at every checkpoint, and less single-request noise on a shared machine.
   Target: turn 200 <= 1.3 x turn 1. Measured with the default set-up (a summary and the last
   turns, serving/conversation_window.py) and, in the same run, with the whole session loaded
   every turn as Rasa 3.6 does (CONVERSATION_WINDOW_TURNS=0).
2. Stored conversations: a new two-turn conversation ("hi", then a content question) timed with
   the tracker store as the run left it, then after adding 1,000 (and 100,000) generated
   conversations of 20 events each straight into Rasa's `events` table
   (bench/generate_conversations.py).
Writes bench/results/growth.json.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    CONTENT_QUESTION, GREETING, RestClient, running_assistant, sender_ids, summarize_ms,
    write_results,
)
from bench.generate_conversations import write as write_conversations  # noqa: E402

LONG_SCRIPT = [GREETING, "what is a job", "thank you", "what is a career"]
CHECKPOINTS = [1, 50, 100, 200]
TARGET_RATIO = 1.3
SAMPLES_PER_STORE_SIZE = 60


def cycle_mean(per_turn_median, turn: int) -> float:
    """Mean of the per-turn medians over the script cycle that contains `turn`: every window holds
    each message of the script once, so turn 1 and turn 200 compare the same mix of messages."""
    start = (turn - 1) // len(LONG_SCRIPT) * len(LONG_SCRIPT)
    return statistics.mean(per_turn_median[start:start + len(LONG_SCRIPT)])


def checkpoints_of(per_turn_median) -> dict:
    turns = len(per_turn_median)
    return {str(k): round(cycle_mean(per_turn_median, k), 1) for k in CHECKPOINTS if k <= turns}


def long_conversations(client: RestClient, count: int, turns: int) -> dict:
    senders = sender_ids("long")
    per_conversation = []
    for _ in range(count):
        sender = next(senders)
        timings = [client.send(sender, LONG_SCRIPT[i % len(LONG_SCRIPT)])[0] for i in range(turns)]
        per_conversation.append([round(t, 2) for t in timings])
    per_turn_median = [round(statistics.median(c[i] for c in per_conversation), 2) for i in range(turns)]
    checkpoints = checkpoints_of(per_turn_median)
    ratio = checkpoints[max(checkpoints, key=int)] / checkpoints["1"]
    return {"conversations": count, "turns": turns, "script": LONG_SCRIPT,
            "checkpoints_ms": checkpoints, "ratio_last_to_first": round(ratio, 2),
            "meets_target": ratio <= TARGET_RATIO, "per_turn_median_ms": per_turn_median}


def new_conversation_latency(client: RestClient, senders) -> dict:
    first, second = [], []
    for _ in range(SAMPLES_PER_STORE_SIZE):
        sender = next(senders)
        first.append(client.send(sender, GREETING)[0])
        second.append(client.send(sender, CONTENT_QUESTION)[0])
    return {"turn_1": summarize_ms(first), "turn_2": summarize_ms(second)}


def stored_conversations(client: RestClient, database_url: str, sizes) -> list:
    senders = sender_ids("store")
    rows = [{"generated_conversations": 0, **new_conversation_latency(client, senders)}]
    written = 0
    for size in sizes:
        events = write_conversations(database_url, size - written, 20, first_number=written, seed=size)
        written = size
        rows.append({"generated_conversations": size, "events_added": events,
                     **new_conversation_latency(client, senders)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--long-conversations", type=int, default=3)
    parser.add_argument("--stored", default="1000,100000")
    args = parser.parse_args()
    sizes = [int(n) for n in args.stored.split(",")]
    with running_assistant({"CONVERSATION_WINDOW_TURNS": "0"}) as assistant:
        whole_session = timed_long_conversations(RestClient(assistant), args, "whole session loaded (Rasa 3.6)")
    memory: dict = {}
    with running_assistant(memory=memory) as assistant:
        client = RestClient(assistant)
        long = timed_long_conversations(client, args, "summary + last turns (default)")
        store = stored_conversations(client, f"sqlite:///{assistant.data_dir / 'conversations.db'}", sizes)
        for row in store:
            print(f"with {row['generated_conversations']:6d} generated conversations stored: new conversation "
                  f"turn 1 p50 {row['turn_1']['p50_ms']} p95 {row['turn_1']['p95_ms']} ms, turn 2 p50 "
                  f"{row['turn_2']['p50_ms']} p95 {row['turn_2']['p95_ms']} ms", flush=True)
    write_results("growth", {"method": __doc__.split("\n\n", 2)[2].strip(), "target_ratio": TARGET_RATIO,
                             "long_conversation": long, "long_conversation_whole_session": whole_session,
                             "stored_conversations": store, "server_memory": memory})


def timed_long_conversations(client: RestClient, args, label: str) -> dict:
    # The server's first turns are slow (lazy initialisation); keep them out of the figures.
    for text in LONG_SCRIPT * 5:
        client.send("growth-warm-up", text)
    long = long_conversations(client, args.long_conversations, args.turns)
    print(f"{label}: ms at turn " + ", ".join(f"{k}: {v}" for k, v in long["checkpoints_ms"].items())
          + f"; last/first {long['ratio_last_to_first']} (target <= {TARGET_RATIO})", flush=True)
    return long


if __name__ == "__main__":
    main()
