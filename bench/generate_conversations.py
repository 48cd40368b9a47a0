"""Write many realistic conversations into a Rasa tracker-store database, fast.

    python bench/generate_conversations.py --conversations 100000 --events-per-conversation 20
    (SQLite file at $CAREERBOT_DATA_DIR/conversations.db, or PostgreSQL from DATABASE_URL)

Events are Rasa's own event classes serialised as SQLTrackerStore.save serialises them, in Rasa's
own `events` table; rows go in with executemany (SQLite) or COPY (PostgreSQL).
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import sqlite3
import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from careerbot.settings import database_url  # noqa: E402
from tests.support import rasa_events as ev  # noqa: E402

CHANNELS = [("socketio", 55), ("rest", 20), ("telegram", 15), ("slack", 10)]
TOPICS = [
    ("ask_job_vs_career", "what is the difference between a job and a career", None),
    ("ask_job_search", "how do I find a job near me", None),
    ("ask_career_exploration", "I don't know what career fits me", "uncertainty"),
    ("share_barrier", "I don't have a car to get to work", "transportation"),
    ("share_barrier", "I can't afford childcare while I train", "childcare"),
    ("share_barrier", "I have no experience in this field", "experience"),
    ("find_resource", "where can I get help paying for classes", "financial"),
    ("ask_turn_job_into_career", "how do I turn my job into a career", None),
]
REFERRAL_CATEGORIES = ["workforce_center", "community_college", "childcare_assistance",
                       "transportation_assistance", "financial_aid", "library"]
COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


def _weighted(rng: random.Random, choices) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def conversation(number: int, start: float, size: int, rng: random.Random) -> ev.Conversation:
    """One conversation of exactly `size` events (size >= 8)."""
    channel = _weighted(rng, CHANNELS)
    convo = ev.Conversation(f"bench-{number:07d}", start)
    convo.add(*ev.session_start())
    convo.add(ev.user("hi", "greet", 0.99, channel=channel), ev.action("utter_greet"),
              ev.bot("Hi! I'm a career assistant.", [{"title": "Jobs vs careers", "payload": "/ask_job_vs_career"},
                                                     {"title": "Find local help", "payload": "/find_resource"}],
                     "utter_greet"))
    intent, text, barrier = rng.choice(TOPICS)
    roll = rng.random()
    if roll < 0.01:
        convo.add(ev.user("I feel like I want to end it all", "crisis", 0.98, channel=channel),
                  ev.slot("crisis_flag", True), ev.action("utter_crisis"), ev.bot("Call or text 988, any time."))
    elif roll < 0.04:
        convo.add(ev.user("can I talk to a person", "request_human", 0.97, channel=channel),
                  ev.slot("contact_name", f"Person {number}"),
                  ev.slot("contact_detail", f"217-555-{number % 10000:04d}"), ev.slot("handoff_requested", True))
    elif roll < 0.12:
        convo.add(ev.user("qwerty zxcv", "nlu_fallback", 0.31, channel=channel),
                  ev.action("action_default_fallback"), ev.bot("Sorry, I didn't get that."))
    convo.add(ev.user(text, intent, round(rng.uniform(0.6, 1.0), 3), channel=channel))
    if barrier:
        convo.add(ev.slot("barrier", barrier))
    if rng.random() < 0.15:
        category = rng.choice(REFERRAL_CATEGORIES)
        convo.add(ev.slot("referrals_shown", [{"id": f"r{rng.randint(1, 500)}", "name": "Local Help Center",
                                                "category": category}]))
    while len(convo.events) < size - 1:
        convo.add(ev.action("utter_more") if len(convo.events) % 2 else ev.bot("Here is more about that."))
    convo.add(ev.action("action_listen"))
    del convo.events[size:]
    return convo


def rows(count: int, events_per_conversation: int, first_number: int, start: float, end: float,
         seed: int) -> Iterator[tuple]:
    rng = random.Random(seed)
    spacing = (end - start) / max(1, count)
    for index in range(count):
        convo = conversation(first_number + index, start + index * spacing, events_per_conversation, rng)
        for event in convo.events:
            row = ev.row_for(convo.sender_id, event)
            yield tuple(row[column] for column in COLUMNS)


def write(url: str, count: int, events_per_conversation: int, first_number: int = 0,
          days: int = 365, seed: int = 7, end: Optional[float] = None) -> int:
    """Append `count` conversations to the tracker store at `url`; return the number of events."""
    ev.create_events_table(url).dispose()
    end = end or time.time()
    generated = rows(count, events_per_conversation, first_number, end - days * 86400, end, seed)
    written = 0
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.split("///", 1)[1])
        with connection:
            while True:
                chunk = [row for _, row in zip(range(50_000), generated)]
                if not chunk:
                    break
                connection.executemany(f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)", chunk)
                written += len(chunk)
        connection.close()
        return written
    import psycopg2  # PostgreSQL: COPY is an order of magnitude faster than INSERTs
    connection = psycopg2.connect(url)
    with connection, connection.cursor() as cursor:
        while True:
            chunk: List[tuple] = [row for _, row in zip(range(50_000), generated)]
            if not chunk:
                break
            buffer = io.StringIO()
            csv.writer(buffer).writerows(chunk)
            buffer.seek(0)
            cursor.copy_expert(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)", buffer)
            written += len(chunk)
    connection.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--events-per-conversation", type=int, default=20)
    parser.add_argument("--first-number", type=int, default=0, help="number of the first sender id")
    parser.add_argument("--days", type=int, default=365, help="spread the conversations over this many days")
    args = parser.parse_args()
    started = time.perf_counter()
    written = write(database_url(), args.conversations, args.events_per_conversation, args.first_number, args.days)
    print(f"Wrote {args.conversations:,} conversations / {written:,} events in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
