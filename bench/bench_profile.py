"""Where the time goes in a REST turn: sample the running Rasa server with py-spy while one
client sends a mix of turns, then rank frames.

    .venv/bin/python bench/bench_profile.py [--seconds 30]

py-spy samples the server process from outside (no code change, ~100 samples/s, active threads
only, so time waiting on the action server or the database shows as the caller's wait, not as CPU).
Writes the collapsed stacks to bench/results/profile-stacks.txt and the top frames, by own time and
by inclusive time, to bench/results/profile.json.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    CONTENT_QUESTION, GREETING, RESULTS_DIR, REFERRAL_REQUEST, RestClient, running_assistant,
    sender_ids, write_results,
)
from tests.support.servers import BIN  # noqa: E402

SCRIPT = [GREETING, CONTENT_QUESTION, "tell me more", REFERRAL_REQUEST, "thank you"]
STACKS = RESULTS_DIR / "profile-stacks.txt"
TOP = 15
OUTER_FRAME_SHARE = 0.8
PROJECT_CODE = ("rasa/", "rasa_sdk/", "components/", "careerbot/", "actions/", "connectors/")
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def short_frame(frame: str) -> str:
    """'handle (/…/site-packages/rasa/core/agent.py:123)' -> 'rasa/core/agent.py:handle'."""
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "lib/python3.10/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{match['function']}"


def package_of(frame: str) -> str:
    path = frame.split(":", 1)[0]
    parts = path.split("/")
    return "/".join(parts[:2]) if parts[0] in ("rasa", "rasa_sdk", "tensorflow", "sqlalchemy", "sanic", "spacy",
                                                "keras", "components", "careerbot") else parts[0]


def rank(stacks_text: str) -> dict:
    own, inclusive, by_package, by_project_caller = Counter(), Counter(), Counter(), Counter()
    total = 0
    for line in stacks_text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        count = int(count)
        frames = [short_frame(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))] or frames
        total += count
        own[frames[-1]] += count
        by_package[package_of(frames[-1])] += count
        callers = [f for f in frames if f.startswith(PROJECT_CODE)]
        by_project_caller[callers[-1] if callers else frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count

    def table(counter):
        return [{"frame": frame, "share": round(n / total, 3)} for frame, n in counter.most_common(TOP)]

    # The server's outer frames (event loop, Sanic's request handler) are in nearly every sample
    # and say nothing about where a turn spends its time.
    inner = Counter({frame: n for frame, n in inclusive.items() if n < OUTER_FRAME_SHARE * total})
    return {"samples": total, "top_own_time": table(own), "top_inclusive_time": table(inner),
            "own_time_by_package": table(by_package),
            # Library time (jsonschema, sqlalchemy, tensorflow...) charged to the innermost Rasa or
            # project function that called it: says which step of a turn costs what.
            "own_time_by_rasa_or_project_caller": table(by_project_caller)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=40)
    args = parser.parse_args()
    stop = threading.Event()
    turns = []

    def load(client: RestClient) -> None:
        senders = sender_ids("profile")
        while not stop.is_set():
            sender = next(senders)
            for text in SCRIPT:
                turns.append(client.send(sender, text)[0])

    with running_assistant() as assistant:
        client = RestClient(assistant)
        for text in SCRIPT:  # warm-up
            client.send("profile-warm-up", text)
        worker = threading.Thread(target=load, args=(client,), daemon=True)
        worker.start()
        try:
            subprocess.run([str(BIN / "py-spy"), "record", "--pid", str(assistant.rasa.process.pid),
                            "--duration", str(args.seconds), "--rate", "100", "--format", "raw",
                            "--output", str(STACKS), "--nonblocking"],
                           check=True, capture_output=True, text=True)
        finally:
            stop.set()
            worker.join(timeout=60)
    ranking = rank(STACKS.read_text())
    print(f"{ranking['samples']} samples over {len(turns)} REST turns")
    for title, key in (("own time", "top_own_time"), ("inclusive time", "top_inclusive_time"),
                       ("own time by package", "own_time_by_package"),
                       ("own time by innermost Rasa/project caller", "own_time_by_rasa_or_project_caller")):
        print(f"top frames by {title}:")
        for row in ranking[key][:10]:
            print(f"  {row['share']:6.1%}  {row['frame']}")
    write_results("profile", {"method": f"py-spy record --rate 100 --nonblocking for {args.seconds} s on the Rasa "
                                        f"server while one client sent {SCRIPT} in a loop",
                              "turns": len(turns), "stacks_file": STACKS.name, **ranking})


if __name__ == "__main__":
    main()
