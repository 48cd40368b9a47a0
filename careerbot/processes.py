"""Run a group of server processes as one: start them, keep them running, stop them together.

Used by `make run` and `make run-production`. A process that exits without being asked to is
started again while the others go on serving, after a pause that doubles with each exit in a row
that came soon after its start (1 s, 2 s, ... up to 10 s); each exit and each return is reported
on stderr. Everything stops on Ctrl-C or SIGTERM, or when a process has failed
MAX_STARTUP_FAILURES times in a row before it ever answered (a mistake in its configuration,
which starting it again cannot mend).

Each process runs in a process group of its own. When it exits, whatever is left of its group
(a killed Rasa instance's Sanic workers, a killed nginx's workers) is asked to stop as the process
itself would be, so that the requests they are answering are answered; what is still there when
the process is started again is killed, or it would keep the port the new one must listen on.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence

from careerbot.settings import PROJECT_ROOT

INITIAL_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 10.0
# A process that ran this long before it exited is started again after INITIAL_BACKOFF_SECONDS.
STABLE_SECONDS = 60
MAX_STARTUP_FAILURES = 3
STOP_TIMEOUT_SECONDS = 15  # a Rasa instance finishes the turns it started (graceful shutdown)
POLL_SECONDS = 0.2


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    """Whether `url` answers HTTP now (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_until_up(url: str, process: subprocess.Popen, timeout: float) -> bool:
    """True once `url` answers HTTP (any status), False if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if answers(url):
            return True
        time.sleep(0.5)
    return False


@dataclass
class Service:
    """One process of a group: how to start it and where it answers once it serves."""

    name: str
    command: List[str]
    ready_url: str
    env: Mapping[str, str]
    pass_fds: Sequence[int] = ()  # listening sockets it inherits (nginx's ports)
    stop_signal: signal.Signals = signal.SIGTERM  # the one that lets it finish what it started


@dataclass
class _Running:
    service: Service
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    up: bool = False  # has answered on its ready_url since it was last started
    startup_failures: int = 0  # exits in a row before it answered
    quick_exits: int = 0  # exits in a row, each within STABLE_SECONDS of its start
    exited_at: Optional[float] = None  # when it exited, until it is back
    restart_at: Optional[float] = None


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    """Send `signum` to what is left of a process's group (the group has the process's id; the
    system gives no new process that id while any member of the group is left)."""
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # nothing left


def _exit_description(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _report(message: str) -> None:
    # Names, exit codes and times only: nothing a person wrote.
    print(f"[supervisor] {message}", file=sys.stderr, flush=True)


class ProcessGroup:
    def __init__(self, services: Sequence[Service]) -> None:
        self._running: Dict[str, _Running] = {s.name: _Running(s) for s in services}

    def _start(self, entry: _Running) -> None:
        service = entry.service
        if entry.process:
            _signal_group(entry.process, signal.SIGKILL)
        entry.process = subprocess.Popen(service.command, cwd=PROJECT_ROOT, env=dict(service.env),
                                         pass_fds=service.pass_fds, start_new_session=True)
        entry.started_at, entry.up, entry.restart_at = time.monotonic(), False, None

    def start(self) -> None:
        for entry in self._running.values():
            self._start(entry)

    def supervise(self, on_all_up: Callable[[], None] = lambda: None) -> int:
        """Keep every process running until Ctrl-C or SIGTERM (which raise here), or until one
        fails at start-up MAX_STARTUP_FAILURES times in a row: then return 1. `on_all_up` is
        called once, when every process has answered for the first time."""
        announced = False
        while True:
            now = time.monotonic()
            for name, entry in self._running.items():
                if entry.restart_at is not None:
                    if now >= entry.restart_at:
                        self._start(entry)
                    continue
                code = entry.process.poll()
                if code is None:
                    if not entry.up and answers(entry.service.ready_url):
                        entry.up, entry.startup_failures = True, 0
                        if entry.exited_at is not None:
                            _report(f"{name} is back, {now - entry.exited_at:.1f} s after it "
                                    "exited.")
                            entry.exited_at = None
                    continue
                _signal_group(entry.process, entry.service.stop_signal)
                if not entry.up:
                    entry.startup_failures += 1
                if entry.startup_failures >= MAX_STARTUP_FAILURES:
                    _report(f"{name} {_exit_description(code)}; it failed {MAX_STARTUP_FAILURES} "
                            "times in a row before it served, so everything is stopped. See the "
                            "messages above.")
                    return 1
                quick = now - entry.started_at < STABLE_SECONDS
                entry.quick_exits = entry.quick_exits + 1 if quick else 1
                delay = min(INITIAL_BACKOFF_SECONDS * 2 ** (entry.quick_exits - 1),
                            MAX_BACKOFF_SECONDS)
                _report(f"{name} {_exit_description(code)}; starting it again in {delay:g} s.")
                entry.exited_at = entry.exited_at or now
                entry.restart_at = now + delay
            if not announced and all(entry.up for entry in self._running.values()):
                announced = True
                on_all_up()
            time.sleep(POLL_SECONDS)

    def stop(self) -> None:
        """Ask every process to stop, wait for each, then kill what is left."""
        started = [entry for entry in self._running.values() if entry.process]
        for entry in started:
            if entry.process.poll() is None:
                entry.process.send_signal(entry.service.stop_signal)
        for entry in started:
            try:
                entry.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                entry.process.kill()
                entry.process.wait()
            _signal_group(entry.process, signal.SIGKILL)


def run_group(services: Sequence[Service], on_all_up: Callable[[], None]) -> int:
    """Start `services`, keep them running, stop them all on Ctrl-C or SIGTERM (exit code 0) or
    when one keeps failing at start-up (1)."""
    group = ProcessGroup(services)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        group.start()
        return group.supervise(on_all_up)
    except KeyboardInterrupt:
        return 0
    finally:
        # The processes are in sessions of their own, out of reach of the terminal's Ctrl-C: a
        # second Ctrl-C or SIGTERM must not cut their stopping short and leave them running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        group.stop()
