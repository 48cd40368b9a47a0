"""Build the Rasa server's endpoints and credentials for the current environment.

The committed endpoints.yml and credentials.yml are the embedded defaults. Environment variables
switch on what a deployment needs (PostgreSQL, Redis, Telegram, Slack) without editing files, so
that secrets stay in the environment. `make run` and the tests both use this module, so the tests
exercise the configuration users get.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence
from urllib.parse import urlparse

import yaml

from careerbot.settings import (MAX_REQUEST_BYTES, PROJECT_ROOT, action_server_token, data_dir,
                                rest_channel_token, widget_session_secret)


def _load(name: str) -> dict:
    with open(PROJECT_ROOT / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


# Rasa's SQL tracker store and Redis lock store, with the fixes in serving/ (named by module path
# so that this package itself needs no Rasa import).
TRACKER_STORE_TYPE = "serving.tracker_store.DurableSQLTrackerStore"
LOCK_STORE_TYPE = "serving.lock_store.AtomicRedisLockStore"


def tracker_store_config(env: Mapping[str, str]) -> dict:
    """SQL tracker store: PostgreSQL from DATABASE_URL, else SQLite under the data dir.

    The URL (and the password in it) stays in the environment: the endpoints file names the
    variable, and Rasa fills it in when it reads the file.
    """
    url = env.get("DATABASE_URL")
    if not url:
        return {"type": TRACKER_STORE_TYPE, "dialect": "sqlite",
                "db": str(data_dir(env) / "conversations.db")}
    if urlparse(url).scheme != "postgresql":
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    return {"type": TRACKER_STORE_TYPE, "dialect": "postgresql", "url": "${DATABASE_URL}"}


# How the Rasa server sends the action server its token (ACTION_SERVER_TOKEN): named, for Rasa to
# fill in from the environment, so that no file holds it. A header, not Rasa's `token` setting,
# which puts it in the URL's query string, where access logs and proxies write it down.
ACTION_SERVER_AUTHORIZATION = {"Authorization": "Bearer ${ACTION_SERVER_TOKEN}"}


def build_endpoints(env: Mapping[str, str]) -> dict:
    endpoints = _load("endpoints.yml")
    endpoints["tracker_store"] = tracker_store_config(env)
    endpoints["action_endpoint"]["headers"] = dict(ACTION_SERVER_AUTHORIZATION)
    if env.get("ACTION_SERVER_URL"):
        endpoints["action_endpoint"]["url"] = env["ACTION_SERVER_URL"]
    if env.get("REDIS_URL"):
        if urlparse(env["REDIS_URL"]).scheme not in ("redis", "rediss"):
            raise ValueError("REDIS_URL must be a redis:// or rediss:// URL")
        endpoints["lock_store"] = {"type": LOCK_STORE_TYPE, "url": "${REDIS_URL}"}
    return endpoints


# Channels switched on by their environment variables. The connectors read their secrets from
# the environment themselves, so no token is ever written into a credentials file.
OPTIONAL_CHANNELS = {
    "connectors.telegram.TelegramInput": "TELEGRAM_BOT_TOKEN",
    "connectors.slack.SlackInput": "SLACK_BOT_TOKEN",
}


REST_CHANNEL = "connectors.rest.RestInput"


def build_credentials(env: Mapping[str, str], production: bool = False) -> dict:
    """The channels to run. In `production` the REST channel is on only with REST_CHANNEL_TOKEN:
    without it, anyone who found its address could talk to the bot through it, in any name."""
    credentials = _load("credentials.yml")
    if production and not rest_channel_token(env):
        del credentials[REST_CHANNEL]
    for connector, required_variable in OPTIONAL_CHANNELS.items():
        if env.get(required_variable):
            credentials[connector] = None
    return credentials


CHANNEL_NAMES = {
    REST_CHANNEL: "REST API",
    "connectors.socketio.WidgetSocketIOInput": "website widget",
    "connectors.telegram.TelegramInput": "Telegram",
    "connectors.slack.SlackInput": "Slack",
}


def enabled_channels(credentials: Mapping[str, object]) -> list:
    """Names people know the enabled channels by, for `make run`'s banner."""
    return [CHANNEL_NAMES.get(name, name) for name in credentials]


def server_env(env: Mapping[str, str]) -> Dict[str, str]:
    """The environment every server process runs with: telemetry off, request size limited, and
    the secrets they all share: the action server token and the widget's session secret (new
    ones when ACTION_SERVER_TOKEN or WIDGET_SESSION_SECRET is unset)."""
    rest_channel_token(env)  # a bad one is reported now, not by Rasa
    return dict(env, RASA_TELEMETRY_ENABLED="false", SANIC_REQUEST_MAX_SIZE=str(MAX_REQUEST_BYTES),
                PYTHONUNBUFFERED="1", ACTION_SERVER_TOKEN=action_server_token(env, new_if_unset=True),
                WIDGET_SESSION_SECRET=widget_session_secret(env, new_if_unset=True))


def rasa_server_command(python: str, port: int, endpoints: Path, credentials: Path,
                        env: Mapping[str, str], model: str = "models",
                        cors_origins: Sequence[str] = (), interface: str = "127.0.0.1") -> List[str]:
    """`rasa run` with this project's fixes (python -m serving), on loopback unless told.

    The HTTP API (/model, /conversations, /status) is only on when RASA_AUTH_TOKEN is set, and
    then only with that token. Models come from the local path only: no model server, no remote
    storage.
    """
    command = [python, "-m", "serving", "run", "--model", model, "--port", str(port),
               "--interface", interface, "--endpoints", str(endpoints),
               "--credentials", str(credentials)]
    if cors_origins:
        command += ["--cors", *cors_origins]
    if env.get("RASA_AUTH_TOKEN"):
        command += ["--enable-api", "--auth-token", env["RASA_AUTH_TOKEN"]]
    return command


def training_command(python: str) -> List[str]:
    """`rasa train` with this project's training fixes (python -m training): the same model as
    Rasa's, trained sooner."""
    return [python, "-m", "training", "train"]


def action_server_command(python: str, port: int, interface: str = "127.0.0.1") -> List[str]:
    """The action server, on loopback unless told: only the Rasa server calls it."""
    return [python, "-m", "actions", "--port", str(port), "--interface", interface]


def write_runtime_config(out_dir: Path, env: Optional[Mapping[str, str]] = None,
                         production: bool = False) -> tuple:
    """Write endpoints.yml and credentials.yml for `env` (of the production profile if
    `production`) into out_dir; return their paths."""
    env = os.environ if env is None else env
    action_server_token(env)  # the endpoints name it: a missing or bad one is reported now, not by Rasa
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in (("endpoints.yml", build_endpoints(env)),
                          ("credentials.yml", build_credentials(env, production))):
        path = out_dir / name
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return tuple(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write Rasa endpoints/credentials for this environment")
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args()
    write_runtime_config(args.out_dir)


if __name__ == "__main__":
    main()
