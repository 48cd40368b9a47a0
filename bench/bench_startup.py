"""Training time, server start-up to ready, and peak memory of the Rasa and action servers.

    .venv/bin/python bench/bench_startup.py [--skip-training] [--training-timeout 900]

- Training: `python -m training train --force --fixed-model-name careerbot` into a temporary --out directory,
  in the same reproducible environment as `make train` (careerbot/settings.py TRAINING_ENV),
  with an empty training cache (RASA_CACHE_DIRECTORY in the temporary directory), so nothing is
  reused: the time a first `make train` takes. models/ is never touched.
- Start-up: the action server until /health answers; the Rasa server until its HTTP port answers
  (Rasa loads the model before it listens) and until the first REST reply to "hi".
- Memory: peak RSS (VmHWM from /proc, process and descendants) of each server after start-up and
  after 100 mixed REST turns; the training process's peak RSS, polled from /proc.
Targets: training <= 180 s, ready <= 30 s, Rasa server RSS <= 1.2 GB.
Writes bench/results/startup.json.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    CONTENT_QUESTION, GREETING, PROJECT_ROOT, REFERRAL_REQUEST, RestClient, peak_rss_mb,
    sender_ids, write_results,
)
from careerbot.runtime import training_command  # noqa: E402
from careerbot.settings import TRAINING_ENV  # noqa: E402
from tests.support.servers import (  # noqa: E402
    Assistant, base_env, import_directory, start_action_server, start_rasa_server,
)

TARGETS = {"training_seconds": 180, "ready_seconds": 30, "rasa_server_rss_mb": 1.2 * 1024}
WORKLOAD = [GREETING, CONTENT_QUESTION, "tell me more", REFERRAL_REQUEST, "thank you"]


def time_training(timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="careerbot-train-") as scratch:
        env = base_env(Path(scratch) / "var", {"RASA_CACHE_DIRECTORY": str(Path(scratch) / "cache"),
                                               **TRAINING_ENV})
        started = time.perf_counter()
        with open(Path(scratch) / "train.log", "w+") as log:
            process = subprocess.Popen(
                training_command(sys.executable) + [
                    "--force", "--fixed-model-name", "careerbot", "--out", str(Path(scratch) / "models")],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            peak = 0.0
            try:
                while process.poll() is None:  # VmHWM is gone once the process has exited
                    peak = max(peak, peak_rss_mb(process.pid))
                    if time.perf_counter() - started > timeout:
                        raise RuntimeError(f"training did not finish in {timeout:.0f} s")
                    time.sleep(0.5)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            seconds = time.perf_counter() - started
            log.seek(0)
            output = log.read()
        model = Path(scratch) / "models" / "careerbot.tar.gz"
        if process.returncode != 0 or not model.exists():
            raise RuntimeError(f"training failed:\n{output[-3000:]}")
        return {"seconds": round(seconds, 1), "model_mb": round(model.stat().st_size / 2**20, 1),
                "peak_rss_mb": peak}


def time_start_up() -> dict:
    with tempfile.TemporaryDirectory(prefix="careerbot-start-") as work:
        work = Path(work)
        env = base_env(work / "var")
        import_directory(env)
        started = time.perf_counter()
        actions = start_action_server(env, work / "logs")
        action_ready = time.perf_counter() - started
        env["ACTION_SERVER_URL"] = f"{actions.url}/webhook"
        token = os.urandom(8).hex()
        try:
            started = time.perf_counter()
            rasa = start_rasa_server(env, work / "logs", token)
            listening = time.perf_counter() - started
            assistant = Assistant(rasa, actions, token, work / "var", env)
            client = RestClient(assistant)
            client.send("startup-check", GREETING)
            first_reply = time.perf_counter() - started
            figures = {"action_server_ready_seconds": round(action_ready, 1),
                       "rasa_server_listening_seconds": round(listening, 1),
                       "rasa_server_first_reply_seconds": round(first_reply, 1),
                       "rasa_server_rss_after_start_mb": peak_rss_mb(rasa.process.pid),
                       "action_server_rss_after_start_mb": peak_rss_mb(actions.process.pid)}
            senders = sender_ids("memory")
            for _ in range(20):
                sender = next(senders)
                for text in WORKLOAD:
                    client.send(sender, text)
            figures["rasa_server_peak_rss_mb"] = peak_rss_mb(rasa.process.pid)
            figures["action_server_peak_rss_mb"] = peak_rss_mb(actions.process.pid)
            rasa.stop()
        finally:
            actions.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--training-timeout", type=float, default=900)
    args = parser.parse_args()
    start_up = time_start_up()
    print(f"action server ready {start_up['action_server_ready_seconds']} s; Rasa server listening "
          f"{start_up['rasa_server_listening_seconds']} s, first reply {start_up['rasa_server_first_reply_seconds']} s "
          f"(target <= {TARGETS['ready_seconds']} s)", flush=True)
    print(f"peak RSS after 100 turns: Rasa server {start_up['rasa_server_peak_rss_mb']} MiB "
          f"(target <= {TARGETS['rasa_server_rss_mb']:.0f}), action server {start_up['action_server_peak_rss_mb']} MiB",
          flush=True)
    figures = {"method": __doc__.split("\n\n", 2)[2].strip(), "targets": TARGETS, "start_up": start_up}
    if not args.skip_training:
        figures["training"] = time_training(args.training_timeout)
        print(f"training {figures['training']['seconds']} s (target <= {TARGETS['training_seconds']} s), "
              f"peak RSS {figures['training']['peak_rss_mb']} MiB", flush=True)
    write_results("startup", figures)


if __name__ == "__main__":
    main()
