"""Start the real servers (action server, Rasa server, web app) on free loopback ports for tests.

Every test that talks to the assistant goes through these: a trained model behind a running Rasa
server, the real action server, real HTTP. Logs go to files so that a failure can be diagnosed.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Set

from careerbot.conversation_ids import conversation_id, session_conversation
from careerbot.processes import free_port, wait_until_up
from careerbot.runtime import (action_server_command, rasa_server_command, server_env,
                               write_runtime_config)
from careerbot.settings import PROJECT_ROOT

MODEL_DIR = PROJECT_ROOT / "models"
# Servers and command-line tools start with the umask most shells have, whatever this test
# process's own has become (careerbot.settings.data_dir makes it 077): the files they create are
# private only if they make them so themselves.
USUAL_UMASK = 0o022
BIN = Path(sys.executable).parent  # the venv's scripts (rasa, py-spy), for the benchmarks


def latest_model() -> Path:
    models = sorted(MODEL_DIR.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("No trained model in models/: run `make train` first.")
    return models[-1]


@dataclass
class ServerProcess:
    name: str
    process: subprocess.Popen
    log_path: Path
    url: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_until_up(self, path: str = "/", timeout: float = 180) -> None:
        if wait_until_up(self.url + path, self.process, timeout):
            return
        problem = "exited early" if self.process.poll() is not None else f"did not start in {timeout}s"
        raise RuntimeError(f"{self.name} {problem}:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait_or_stop(server: ServerProcess, path: str) -> None:
    """Wait for the server; if it never comes up, stop it rather than leave it running."""
    try:
        server.wait_until_up(path)
    except Exception:
        server.stop()
        raise


def spawn_server(name: str, cmd: List[str], env: Mapping[str, str], log_dir: Path, url: str) -> ServerProcess:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name.replace(' ', '_')}.log"
    handle = open(log_path, "ab")  # a restarted server adds to its log
    process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=dict(env), stdout=handle,
                               stderr=subprocess.STDOUT, umask=USUAL_UMASK)
    return ServerProcess(name, process, log_path, url)


def base_env(data_dir: Path, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    env.pop("DATABASE_URL", None)
    env.update(TF_CPP_MIN_LOG_LEVEL="2", CAREERBOT_DATA_DIR=str(data_dir))
    env.update(extra or {})
    return server_env(env)


def start_action_server(env: Mapping[str, str], log_dir: Path) -> ServerProcess:
    port = free_port()
    server = spawn_server("action server", action_server_command(sys.executable, port),
                    env, log_dir, f"http://127.0.0.1:{port}")
    _wait_or_stop(server, "/health")
    return server


def start_rasa_server(env: Mapping[str, str], log_dir: Path, auth_token: str,
                      extra_args: Optional[List[str]] = None) -> ServerProcess:
    """Start the Rasa server as `make run` does, for `env`, with the HTTP API behind a token."""
    port = free_port()
    endpoints, credentials = write_runtime_config(log_dir / "config", env)
    cmd = rasa_server_command(sys.executable, port, endpoints, credentials,
                              dict(env, RASA_AUTH_TOKEN=auth_token), model=str(latest_model()))
    server = spawn_server("rasa server", cmd + list(extra_args or []), env, log_dir,
                    f"http://127.0.0.1:{port}")
    _wait_or_stop(server, "/")
    return server


@dataclass
class Assistant:
    """The running assistant as a REST client sees it."""

    rasa: ServerProcess
    actions: ServerProcess
    auth_token: str
    data_dir: Path
    env: Dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.rasa.url

    def send(self, sender: str, text: str, timeout: float = 30) -> List[dict]:
        """Send a message over the REST channel and return the bot's replies."""
        return post_json(f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": text},
                         timeout=timeout)

    def parse(self, text: str) -> dict:
        return post_json(f"{self.url}/model/parse?token={self.auth_token}", {"text": text})

    def tracker(self, conversation: str) -> dict:
        """A conversation's tracker, by its id in Rasa (rest_conversation, widget_conversation)."""
        with urllib.request.urlopen(
                f"{self.url}/conversations/{conversation}/tracker?token={self.auth_token}", timeout=30) as r:
            return json.loads(r.read())

    def conversations_with(self, text: str) -> Set[str]:
        """The ids of the stored conversations in which someone wrote `text`, on any channel."""
        with sqlite3.connect(self.data_dir / "conversations.db") as database:
            rows = database.execute("SELECT DISTINCT sender_id FROM events WHERE type_name = 'user' "
                                    "AND json_extract(data, '$.text') = ?", (text,))
            return {conversation for conversation, in rows}


def rest_conversation(sender: str) -> str:
    """The conversation a REST sender's messages go to (connectors/rest.py)."""
    return conversation_id("rest", sender)


def widget_conversation(session_id: str) -> str:
    """The conversation of a widget session id the server issued (connectors/socketio.py)."""
    return conversation_id("socketio", session_conversation(session_id))


def post_json(url: str, payload: dict, timeout: float = 30, headers: Optional[dict] = None):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


SAMPLE_DIRECTORY = PROJECT_ROOT / "directory" / "sample"


def import_directory(env: Mapping[str, str], package: Path = SAMPLE_DIRECTORY) -> None:
    """Load a resource directory package the way `make import-directory` does."""
    subprocess.run([sys.executable, "-m", "careerbot.directory", "import", str(package)],
                   cwd=PROJECT_ROOT, env=dict(env), check=True, capture_output=True, umask=USUAL_UMASK)


def start_assistant(work_dir: Path, extra_env: Optional[Mapping[str, str]] = None) -> Assistant:
    """Start an action server and a Rasa server wired to it, with their own data directory and
    the sample resource directory."""
    data_dir = work_dir / "var"
    env = base_env(data_dir, extra_env)
    import_directory(env)
    actions = start_action_server(env, work_dir / "logs")
    env["ACTION_SERVER_URL"] = f"{actions.url}/webhook"
    token = "test-" + os.urandom(8).hex()
    try:
        rasa = start_rasa_server(env, work_dir / "logs", token)
    except Exception:
        actions.stop()
        raise
    return Assistant(rasa, actions, token, data_dir, env)


def texts(replies: List[dict]) -> str:
    """All reply texts joined, for assertions on what the person reads."""
    return "\n".join(r.get("text", "") for r in replies)


def buttons(replies: List[dict]) -> List[str]:
    return [b["title"] for r in replies for b in r.get("buttons", [])]


def start_web_app(env: Mapping[str, str], log_dir: Path, port: Optional[int] = None,
                  ready_path: str = "/") -> ServerProcess:
    """Start the web app (`python -m careerbot.web`): widget assets, demo page, staff console."""
    port = port or free_port()
    server = spawn_server("web app", [sys.executable, "-m", "careerbot.web", "--port", str(port)],
                    env, log_dir, f"http://127.0.0.1:{port}")
    _wait_or_stop(server, ready_path)
    return server
