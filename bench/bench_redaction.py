"""Redaction speed: what the staff console spends hiding personal details.

    .venv/bin/python bench/bench_redaction.py [--passes 20]

Times careerbot.console.redact on the messages of tests/fixtures/pii/ (as visitors type them, with
and without personal details): each message alone, a list page's hundred previews, and one
transcript read through ConversationRedactor. Then inputs built to make patterns backtrack, each as
long as a person may send (MAX_MESSAGE_CHARS) and ending in a detail so that every detector runs
to the end. Targets: mean <= 2 ms a message (a list page redacts a hundred previews), every
pathological input <= 1 s (it would hold up the page showing it). Prints the figures and writes
bench/results/redaction.json; the exit status is 1 if a target is missed.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PROJECT_ROOT, percentile, write_results  # noqa: E402
from careerbot.console.redact import ConversationRedactor, redact  # noqa: E402
from careerbot.text_input import MAX_MESSAGE_CHARS  # noqa: E402

CORPUS = PROJECT_ROOT / "tests" / "fixtures" / "pii"
MEAN_TARGET_MS = 2.0
PATHOLOGICAL_TARGET_MS = 1000.0
LIST_PAGE = 100  # previews on a conversation list page
DETAIL = " or 217-555-0134, jo@example.com"
# Long runs of what each detector looks for, none of them a detail.
PATHOLOGICAL_RUNS = {
    "digits": "1",
    "single digits spaced out": "2 1 7 ",
    "digit groups": "12-",
    "plus signs and digits": "+1 ",
    "e-mail words with dots": "jane dot ",
    "dotted letters": "a.b",
    "at signs": "x@",
    "words after at": "@ jane at ",
    "street names": "12 Main ",
    "address cues": "I live at 12 ",
    "social security words": "ssn ",
    "ordinary prose": "I have been looking for work for a while and ",
}


def _corpus():
    """(kind, text, speaker) of every message of the corpus; kind is a detail's kind or "none"."""
    messages = []
    for name in ("personal.jsonl", "lookalikes.jsonl"):
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
            if line:
                entry = json.loads(line)
                messages.append((entry.get("kind", "none"), entry["text"], entry.get("speaker", "person")))
    return messages


def _summary(timings_ms):
    return {"n": len(timings_ms), "mean_ms": round(statistics.mean(timings_ms), 3),
            "p50_ms": round(statistics.median(timings_ms), 3),
            "p95_ms": round(percentile(timings_ms, 0.95), 3), "max_ms": round(max(timings_ms), 3)}


def time_messages(messages, passes: int) -> dict:
    """Each message redacted alone, `passes` times; wall and CPU time of this thread (the CPU
    figure does not grow when other processes compete for the cores)."""
    wall, cpu, by_kind = [], [], {}
    for _ in range(passes):
        for kind, text, _speaker in messages:
            started, started_cpu = time.perf_counter(), time.thread_time()
            redact(text)
            elapsed = (time.perf_counter() - started) * 1000
            wall.append(elapsed)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            by_kind.setdefault(kind, []).append(elapsed)
    return {"wall": _summary(wall), "cpu": _summary(cpu),
            "by_kind_mean_ms": {kind: round(statistics.mean(t), 3) for kind, t in sorted(by_kind.items())}}


def time_list_pages(messages, passes: int) -> dict:
    texts = [text for _kind, text, _speaker in messages]
    pages = [texts[start:start + LIST_PAGE] for start in range(0, len(texts) - LIST_PAGE + 1, LIST_PAGE)]
    timings = []
    for _ in range(passes):
        for previews in pages:
            started = time.perf_counter()
            for text in previews:
                redact(text)
            timings.append((time.perf_counter() - started) * 1000)
    return _summary(timings)


def time_transcript(messages, passes: int) -> dict:
    """The whole corpus as one conversation, the person's and the assistant's messages in turn:
    the assistant's replies are searched for what the person gave."""
    timings = []
    for _ in range(passes):
        started = time.perf_counter()
        conversation = ConversationRedactor()
        for _kind, text, speaker in messages:
            (conversation.person if speaker == "person" else conversation.assistant)(text)
        timings.append((time.perf_counter() - started) * 1000)
    return dict(_summary(timings), messages=len(messages))


def time_pathological() -> dict:
    figures = {}
    for name, run in PATHOLOGICAL_RUNS.items():
        text = (run * MAX_MESSAGE_CHARS)[:MAX_MESSAGE_CHARS - len(DETAIL)] + DETAIL
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            redacted = redact(text)
            best = min(best, (time.perf_counter() - started) * 1000)
        assert "217-555-0134" not in redacted and "jo@example.com" not in redacted, name  # timed the real work
        figures[name] = round(best, 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=20)
    args = parser.parse_args()

    messages = _corpus()
    for _kind, text, _speaker in messages:  # first calls build caches (office details, metadata)
        redact(text)
    per_message = time_messages(messages, args.passes)
    list_pages = time_list_pages(messages, args.passes)
    transcript = time_transcript(messages, args.passes)
    pathological = time_pathological()
    slowest = max(pathological, key=pathological.get)
    mean_ok = per_message["wall"]["mean_ms"] <= MEAN_TARGET_MS
    pathological_ok = pathological[slowest] <= PATHOLOGICAL_TARGET_MS

    wall, cpu = per_message["wall"], per_message["cpu"]
    print(f"one message ({wall['n']}): mean {wall['mean_ms']:.3f} ms (target {MEAN_TARGET_MS:g}), "
          f"p50 {wall['p50_ms']:.3f}, p95 {wall['p95_ms']:.3f}, max {wall['max_ms']:.2f} ms; "
          f"CPU mean {cpu['mean_ms']:.3f} ms")
    print("  mean by detail: " + ", ".join(f"{k} {v:.3f} ms" for k, v in per_message["by_kind_mean_ms"].items()))
    print(f"list page of {LIST_PAGE} previews: p50 {list_pages['p50_ms']:.1f} ms, p95 {list_pages['p95_ms']:.1f} ms")
    print(f"transcript of {transcript['messages']} messages: p50 {transcript['p50_ms']:.1f} ms, "
          f"p95 {transcript['p95_ms']:.1f} ms")
    print(f"pathological inputs of {MAX_MESSAGE_CHARS} characters (best of 3, target {PATHOLOGICAL_TARGET_MS:g} ms):")
    for name, milliseconds in pathological.items():
        print(f"  {name:28} {milliseconds:8.1f} ms")
    write_results("redaction", {
        "method": f"corpus tests/fixtures/pii/ ({len(messages)} messages) x {args.passes} passes, in process; "
                  f"pathological inputs of {MAX_MESSAGE_CHARS} characters ending in a phone number and an "
                  "e-mail address, best of 3",
        "targets": {"mean_ms": MEAN_TARGET_MS, "pathological_ms": PATHOLOGICAL_TARGET_MS},
        "per_message": per_message, "list_page": list_pages, "transcript": transcript,
        "pathological_ms": pathological, "slowest_pathological": slowest,
        "mean_ok": mean_ok, "pathological_ok": pathological_ok,
    })
    return 0 if mean_ok and pathological_ok else 1


if __name__ == "__main__":
    sys.exit(main())
