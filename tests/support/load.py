"""A steady load of conversations over the REST channel, kept up while a test injects a fault.

Each conversation sends its next message as soon as the previous one is answered. A message
refused with 503 ("not saved, send it again") is sent again, as a client would; anything else
that is not a normal answer is recorded as an error.
"""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

MESSAGES = ["hi", "what is a career", "how is a job different from a career", "what is a job",
            "thanks"]


def send_message(base_url: str, sender: str, text: str, timeout: float = 120,
                 headers: Optional[Dict[str, str]] = None) -> Tuple[int, object]:
    """POST one message to the REST channel, with `headers` (its token); (status, parsed JSON
    body)."""
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook", method="POST",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, body.decode(errors="replace")
    except OSError as error:  # no HTTP answer at all
        return 0, repr(error)


@dataclass
class LoadResult:
    acknowledged: Counter = field(default_factory=Counter)  # sender -> messages answered
    resent_after_503: int = 0
    empty_replies: int = 0
    errors: List[str] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return sum(self.acknowledged.values())


class ConversationLoad:
    def __init__(self, base_url: str, prefix: str, conversations: int = 4,
                 headers: Optional[Dict[str, str]] = None) -> None:
        self.base_url = base_url
        self.headers = headers
        self.senders = [f"{prefix}{n}" for n in range(conversations)]
        self.result = LoadResult()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads: Optional[List[threading.Thread]] = None

    def __enter__(self) -> "ConversationLoad":
        self._threads = [threading.Thread(target=self._converse, args=(sender,), daemon=True)
                         for sender in self.senders]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stopping.set()
        for thread in self._threads or []:
            thread.join(timeout=180)

    def _converse(self, sender: str) -> None:
        turn = 0
        while not self._stopping.is_set():
            status, body = send_message(self.base_url, sender, MESSAGES[turn % len(MESSAGES)],
                                        headers=self.headers)
            with self._lock:
                if status == 200:
                    self.result.acknowledged[sender] += 1
                    self.result.empty_replies += not body
                    turn += 1
                elif status == 503:
                    self.result.resent_after_503 += 1
                    self._stopping.wait(0.5)
                else:
                    self.result.errors.append(f"{status}: {str(body)[:200]}")
                    return
