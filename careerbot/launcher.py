"""`make run`: start the action server, the Rasa server and the web app; stop all on Ctrl-C.

Each process is a child of this one. When any of them exits, or on Ctrl-C / SIGTERM, the others
are stopped too, so nothing is left running in the background.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from careerbot.runtime import enabled_channels, build_credentials, write_runtime_config
from careerbot.settings import PROJECT_ROOT, data_dir

BIN = Path(sys.executable).parent


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--web-port", type=int, default=8080)
    args = parser.parse_args()

    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false",
               ACTION_SERVER_URL=f"http://localhost:{args.actions_port}/webhook")
    endpoints, credentials = write_runtime_config(data_dir(env) / "run", env)
    rasa_cmd = [str(BIN / "rasa"), "run", "--model", "models", "--port", str(args.rasa_port),
                "--endpoints", str(endpoints), "--credentials", str(credentials), "--cors",
                ",".join(["http://localhost:%d" % args.web_port])]
    if env.get("RASA_AUTH_TOKEN"):
        rasa_cmd += ["--enable-api", "--auth-token", env["RASA_AUTH_TOKEN"]]
    commands = {
        "action server": [str(BIN / "rasa"), "run", "actions", "--port", str(args.actions_port)],
        "Rasa server": rasa_cmd,
        "web app": [sys.executable, "-m", "careerbot.web", "--port", str(args.web_port)],
    }
    processes = {name: subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env)
                 for name, cmd in commands.items()}

    def stop(*_):
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        ready = _wait_until_up(f"http://localhost:{args.rasa_port}/", processes["Rasa server"], 180)
        if not ready:
            print("The Rasa server did not start; see the messages above.", file=sys.stderr)
            return 1
        channels = ", ".join(enabled_channels(build_credentials(env)))
        print(
            "\n  Career assistant is running.\n"
            f"  Chat on the demo page:   http://localhost:{args.web_port}/\n"
            f"  Staff console:           http://localhost:{args.web_port}/staff\n"
            f"  REST channel:            http://localhost:{args.rasa_port}/webhooks/rest/webhook\n"
            f"  Channels on:             {channels}\n"
            "  Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(p.poll() is None for p in processes.values()):
            time.sleep(1)
        failed = [name for name, p in processes.items() if p.poll() is not None]
        print(f"Stopped because the {', '.join(failed)} exited.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
