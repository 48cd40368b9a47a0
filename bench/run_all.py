"""Run every benchmark in sequence, then write bench/results/REPORT.md (`make bench`).

    .venv/bin/python bench/run_all.py [--skip staff,directory] [--only latency,growth]
        [--budget-minutes 60]

Each benchmark runs as its own process with a time limit; one that fails or overruns is reported
and the rest still run (the report then shows its previous results, dated, or says it is missing).
PostgreSQL runs (throughput, directory) use a fresh database on the local server, dropped after.
The staff console benchmark (100,000 conversations on SQLite and PostgreSQL) takes minutes;
--skip staff keeps its last results.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PROJECT_ROOT, postgres_database  # noqa: E402

# (name, command arguments, time limit in seconds, needs a PostgreSQL DATABASE_URL)
BENCHMARKS = [
    ("nlu", ["bench/bench_nlu.py"], 300, False),
    ("latency", ["bench/bench_latency.py"], 480, False),
    ("diet", ["bench/bench_diet.py"], 240, False),
    ("crisis", ["bench/bench_crisis.py"], 300, False),
    ("language", ["bench/bench_language.py"], 120, False),
    ("profile", ["bench/bench_profile.py"], 240, False),
    ("growth", ["bench/bench_growth.py"], 600, False),
    ("throughput", ["bench/bench_throughput.py"], 1200, False),
    ("startup", ["bench/bench_startup.py"], 1080, False),
    ("directory", ["bench/bench_directory.py"], 420, True),
    ("staff", ["bench/bench_staff.py"], 900, False),
    ("lock_store", ["bench/bench_lock_store.py"], 120, False),
    ("redaction", ["bench/bench_redaction.py"], 300, False),
]


def run(name: str, args, limit: float, needs_database: bool, deadline: float) -> str:
    remaining = deadline - time.monotonic()
    if remaining < 60:
        return "skipped: total time budget used up"
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    print(f"\n=== {name} (limit {min(limit, remaining) / 60:.0f} min) ===", flush=True)
    started = time.perf_counter()
    try:
        if needs_database:
            with postgres_database() as url:
                env["DATABASE_URL"] = url
                result = subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, env=env,
                                        timeout=min(limit, remaining))
        else:
            result = subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, env=env,
                                    timeout=min(limit, remaining))
    except subprocess.TimeoutExpired:
        return f"stopped at its {min(limit, remaining):.0f} s limit"
    status = "ok" if result.returncode == 0 else f"exit status {result.returncode}"
    return f"{status} in {time.perf_counter() - started:.0f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    parser.add_argument("--only", default="", help="comma-separated benchmarks to run")
    parser.add_argument("--budget-minutes", type=float, default=60)
    args = parser.parse_args()
    skip, only = set(filter(None, args.skip.split(","))), set(filter(None, args.only.split(",")))
    deadline = time.monotonic() + args.budget_minutes * 60
    outcomes = {}
    for name, bench_args, limit, needs_database in BENCHMARKS:
        if name in skip or (only and name not in only):
            outcomes[name] = "not run (previous results kept)"
            continue
        outcomes[name] = run(name, bench_args, limit, needs_database, deadline)
    print("\n=== summary ===")
    for name, outcome in outcomes.items():
        print(f"{name:11} {outcome}")
    report = subprocess.run([sys.executable, "bench/report.py"], cwd=PROJECT_ROOT)
    return report.returncode or int(any(o.startswith(("exit", "stopped")) for o in outcomes.values()))


if __name__ == "__main__":
    sys.exit(main())
