"""The action server as `make run` starts it (`python -m actions`)."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from careerbot.runtime import action_server_command, server_env, write_runtime_config
from careerbot.settings import PROJECT_ROOT, SettingsError
from tests.support.servers import USUAL_UMASK, base_env, free_port


def test_the_action_server_runs_without_loading_tensorflow(assistant, chat):
    # A referral runs spaCy's rules and the directory search in the action server.
    replies = chat("find a job center near 62704")
    assert any("Sample Prairie Workforce Center" in (r.get("text") or "") for r in replies), replies
    maps = Path(f"/proc/{assistant.actions.process.pid}/maps").read_text()
    assert "tensorflow" not in maps, "the action server loaded TensorFlow"


def _request(url: str, method: str, headers: dict, body: bytes = None) -> tuple:
    request = urllib.request.Request(url, method=method, headers=headers, data=body)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def test_the_action_server_answers_no_browser_and_refuses_wrong_requests_with_their_reason(assistant):
    # Only the Rasa server calls it: a web page elsewhere gets no cross-origin permission.
    origin = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
    status, headers, _ = _request(f"{assistant.actions.url}/webhook", "OPTIONS", origin)
    assert status == 401 and not [h for h in headers if h.lower().startswith("access-control-")]
    status, headers, _ = _request(f"{assistant.actions.url}/health", "GET", origin)
    assert status == 200 and not [h for h in headers if h.lower().startswith("access-control-")]
    # A caller with the token (the Rasa server) is told what was wrong with a request.
    bearer = {"Authorization": f"Bearer {assistant.env['ACTION_SERVER_TOKEN']}"}
    status, headers, body = _request(f"{assistant.actions.url}/webhook", "OPTIONS", {**origin, **bearer})
    assert status == 405 and "OPTIONS" in json.loads(body)["error"]
    assert not [h for h in headers if h.lower().startswith("access-control-")]
    status, _, body = _request(f"{assistant.actions.url}/no-such-page", "GET", bearer)
    assert status == 404 and "no-such-page" in json.loads(body)["error"]


def _action_call(action: str) -> bytes:
    """What the Rasa server sends to run `action`, for a person asking about advancement."""
    tracker = {"sender_id": "direct-caller", "slots": {}, "events": [], "paused": False,
               "latest_message": {"intent": {"name": "ask_job_vs_career", "confidence": 0.99},
                                  "entities": [{"entity": "aspect", "value": "advancement"}],
                                  "text": "which one lets me move up?"},
               "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
    return json.dumps({"next_action": action, "sender_id": "direct-caller", "version": "3.6.21",
                       "tracker": tracker, "domain": {}}).encode()


def test_the_action_server_runs_actions_only_for_callers_with_the_token(assistant, chat):
    webhook = f"{assistant.actions.url}/webhook"
    token = assistant.env["ACTION_SERVER_TOKEN"]
    json_body = {"Content-Type": "application/json"}
    refused_callers = [
        (webhook, {}),
        (webhook, {"Authorization": "Bearer " + "x" * len(token)}),
        (webhook, {"Authorization": token}),  # the token, not as a bearer token
        (f"{webhook}?token={token}", {}),  # Rasa's own way: in the URL, where logs write it down
    ]
    for url, headers in refused_callers:
        # An unknown action would be 404 if it got as far as the lookup: nothing runs at all.
        for action in ("action_explain_difference", "no_such_action"):
            status, answer_headers, body = _request(url, "POST", {**json_body, **headers},
                                                    _action_call(action))
            assert status == 401, (url, headers, action, body)
            assert set(json.loads(body)) == {"error"} and answer_headers["WWW-Authenticate"] == "Bearer"
    assert _request(f"{assistant.actions.url}/actions", "GET", {})[0] == 401
    assert _request(f"{assistant.actions.url}/health", "GET", {})[0] == 200  # health checks need none

    bearer = {"Authorization": f"Bearer {token}"}
    status, _, body = _request(webhook, "POST", {**json_body, **bearer},
                               _action_call("action_explain_difference"))
    assert status == 200, body
    assert [r["response"] for r in json.loads(body)["responses"]] == ["utter_difference_advancement"]
    assert _request(webhook, "POST", {**json_body, **bearer}, _action_call("no_such_action"))[0] == 404
    # The Rasa server sends it: a turn that runs actions (the referral form and its search) works.
    replies = chat("find a job center near 62704")
    assert any("Sample Prairie Workforce Center" in (r.get("text") or "") for r in replies), replies
    # In the endpoints Rasa reads it is named, for Rasa to fill in; it is in no log.
    written = "".join(path.read_text() for path in (assistant.rasa.log_path.parent / "config").glob("*.yml"))
    assert "Bearer ${ACTION_SERVER_TOKEN}" in written and token not in written
    for server in (assistant.rasa, assistant.actions):
        assert token not in server.log(), server.name


def test_the_action_server_does_not_start_without_a_good_token(tmp_path):
    env = base_env(tmp_path / "var")
    for token, message in (("", "ACTION_SERVER_TOKEN is not set"),
                           ("short-secret", "ACTION_SERVER_TOKEN must be at least 32")):
        started = subprocess.run(action_server_command(sys.executable, free_port()),
                                 env=dict(env, ACTION_SERVER_TOKEN=token), cwd=PROJECT_ROOT,
                                 capture_output=True, text=True, timeout=120, umask=USUAL_UMASK)
        assert started.returncode != 0 and message in started.stderr, started.stderr
        assert not token or token not in started.stderr  # a secret is never shown


def test_every_server_process_gets_one_token_made_when_unset(tmp_path):
    made = server_env({})["ACTION_SERVER_TOKEN"]
    assert len(made) >= 32 and made != server_env({})["ACTION_SERVER_TOKEN"]
    assert server_env({"ACTION_SERVER_TOKEN": made})["ACTION_SERVER_TOKEN"] == made
    # Endpoints that name it are not written for a Rasa server that would not have it.
    with pytest.raises(SettingsError, match="ACTION_SERVER_TOKEN is not set"):
        write_runtime_config(tmp_path, {"CAREERBOT_DATA_DIR": str(tmp_path / "var")})
