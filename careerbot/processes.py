"""Run a group of server processes as one: start them, wait for them, stop them together.

Used by `make run` and `make run-production`. When any process exits, or on Ctrl-C / SIGTERM,
the others are stopped too, so nothing is left running in the background.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Dict, List, Mapping

from careerbot.settings import PROJECT_ROOT


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_all(commands: Mapping[str, List[str]], env: Mapping[str, str]) -> Dict[str, subprocess.Popen]:
    return {name: subprocess.Popen(command, cwd=PROJECT_ROOT, env=dict(env))
            for name, command in commands.items()}


def wait_until_up(url: str, process: subprocess.Popen, timeout: float) -> bool:
    """True once `url` answers HTTP (any status), False if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.5)
    return False


def supervise(processes: Mapping[str, subprocess.Popen]) -> int:
    """Block until one process exits; say which, and return 1."""
    while all(process.poll() is None for process in processes.values()):
        time.sleep(1)
    failed = [name for name, process in processes.items() if process.poll() is not None]
    print(f"Stopped because the {', '.join(failed)} exited.", file=sys.stderr)
    return 1


def stop_all(processes: Mapping[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
