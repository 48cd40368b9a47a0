"""The action server as `make run` starts it (`python -m actions`)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path


def test_the_action_server_runs_without_loading_tensorflow(assistant, chat):
    # A referral runs spaCy's rules and the directory search in the action server.
    replies = chat("find a job center near 62704")
    assert any("Sample Prairie Workforce Center" in (r.get("text") or "") for r in replies), replies
    maps = Path(f"/proc/{assistant.actions.process.pid}/maps").read_text()
    assert "tensorflow" not in maps, "the action server loaded TensorFlow"


def _request(url: str, method: str, headers: dict) -> tuple:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def test_the_action_server_answers_no_browser_and_refuses_wrong_requests_with_their_reason(assistant):
    # Only the Rasa server calls it: a web page elsewhere gets no cross-origin permission.
    origin = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
    status, headers, body = _request(f"{assistant.actions.url}/webhook", "OPTIONS", origin)
    assert status == 405 and "OPTIONS" in json.loads(body)["error"]
    assert not [h for h in headers if h.lower().startswith("access-control-")]
    status, headers, _ = _request(f"{assistant.actions.url}/health", "GET", origin)
    assert status == 200 and not [h for h in headers if h.lower().startswith("access-control-")]
    status, _, body = _request(f"{assistant.actions.url}/no-such-page", "GET", {})
    assert status == 404 and "no-such-page" in json.loads(body)["error"]
