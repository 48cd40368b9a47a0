"""Fake internet services: their APIs as real HTTP servers on 127.0.0.1 that record calls, their
webhook deliveries to the assistant, and a service that is down.

A fake API answers in the documented format of the service it stands for (see the subclasses) and
keeps every call it got, so that a test can assert on what the assistant sent to the outside world.
"""
from __future__ import annotations

import abc
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl


@dataclass
class RecordedCall:
    method: str  # the API method, e.g. "sendMessage" or "chat.postMessage"
    params: dict
    headers: Dict[str, str]
    status: int
    answer: dict


class FakeApiServer(abc.ABC):
    """Subclasses implement `answer(path, headers, params) -> (status, JSON answer)`."""

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: Optional[ThreadingHTTPServer] = None
        self._calls: List[RecordedCall] = []
        self._lock = threading.Condition()
        self.answer_delay_seconds = 0.0  # a slow service: each answer waits this long

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> "FakeApiServer":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                time.sleep(fake.answer_delay_seconds)
                status, answer = fake._record(self.path, headers, _parse_body(headers, raw))
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass  # keep test output readable

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        return self._port

    # --- what subclasses provide -----------------------------------------------------------
    @abc.abstractmethod
    def answer(self, path: str, headers: Dict[str, str], params: dict) -> Tuple[str, int, dict]:
        """Return (API method name, HTTP status, JSON answer) for one request."""

    # --- what tests use --------------------------------------------------------------------
    def calls(self, method: Optional[str] = None) -> List[RecordedCall]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(self, predicate: Callable[[List[RecordedCall]], bool],
                 timeout: float = 30) -> List[RecordedCall]:
        """Wait until predicate(all calls) holds; return the calls (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(list(self._calls)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{type(self).__name__}: expected calls did not arrive in {timeout}s; "
                        f"got {[(c.method, c.params) for c in self._calls]}")
                self._lock.wait(remaining)
            return list(self._calls)

    def _record(self, path: str, headers: Dict[str, str], params: dict) -> Tuple[int, dict]:
        method, status, answer = self.answer(path, headers, params)
        with self._lock:
            self._calls.append(RecordedCall(method, params, headers, status, answer))
            self._lock.notify_all()
        return status, answer


def _parse_body(headers: Dict[str, str], raw: bytes) -> dict:
    content_type = headers.get("content-type", "").split(";")[0].strip()
    if content_type == "application/json":
        try:
            parsed = json.loads(raw or b"{}")
        except ValueError:
            return {"_unparseable_body": raw.decode(errors="replace")}
        return parsed if isinstance(parsed, dict) else {"_not_an_object": parsed}
    return dict(parse_qsl(raw.decode(errors="replace")))


@dataclass
class Delivery:
    status: int
    headers: Dict[str, str]
    text: str


def deliver(url: str, body: bytes, headers: Dict[str, str], timeout: float = 60) -> Delivery:
    """POST a webhook to the assistant as the service would, and return its answer (any status)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Delivery(answer.status, dict(answer.headers), answer.read().decode())
    except urllib.error.HTTPError as error:
        return Delivery(error.code, dict(error.headers), error.read().decode())


class UnreachableService:
    """A service that is down: it takes TCP connections on `port` and drops them unanswered,
    counting them, so a test can tell whether anything tried to reach it."""

    def __init__(self, port: int) -> None:
        self._listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self._listener.settimeout(0.2)
        self._closed = threading.Event()
        self.connection_attempts = 0
        self._thread = threading.Thread(target=self._drop_connections, daemon=True)
        self._thread.start()

    def _drop_connections(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:  # the timeout, to look at _closed again
                continue
            self.connection_attempts += 1
            connection.close()

    def close(self) -> None:
        self._closed.set()
        self._thread.join()
        self._listener.close()
