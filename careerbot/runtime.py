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
from typing import Mapping, Optional
from urllib.parse import unquote, urlparse

import yaml

from careerbot.settings import PROJECT_ROOT, data_dir


def _load(name: str) -> dict:
    with open(PROJECT_ROOT / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def tracker_store_config(env: Mapping[str, str]) -> dict:
    """Rasa SQL tracker store: PostgreSQL from DATABASE_URL, else SQLite under the data dir."""
    url = env.get("DATABASE_URL")
    if not url:
        return {"type": "SQL", "dialect": "sqlite", "db": str(data_dir(env) / "conversations.db")}
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres"):
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    config = {
        "type": "SQL",
        "dialect": "postgresql",
        "url": parsed.hostname or "localhost",
        "port": parsed.port or 5432,
        "db": parsed.path.lstrip("/") or "postgres",
        "username": unquote(parsed.username or "postgres"),
    }
    if parsed.password:
        config["password"] = unquote(parsed.password)
    return config


def build_endpoints(env: Mapping[str, str]) -> dict:
    endpoints = _load("endpoints.yml")
    endpoints["tracker_store"] = tracker_store_config(env)
    if env.get("ACTION_SERVER_URL"):
        endpoints["action_endpoint"] = {"url": env["ACTION_SERVER_URL"]}
    if env.get("REDIS_URL"):
        parsed = urlparse(env["REDIS_URL"])
        endpoints["lock_store"] = {
            "type": "redis",
            "url": parsed.hostname or "localhost",
            "port": parsed.port or 6379,
            "db": int(parsed.path.lstrip("/") or 0),
        }
    return endpoints


# Channels switched on by their environment variables. The connectors read their secrets from
# the environment themselves, so no token is ever written into a credentials file.
OPTIONAL_CHANNELS = {
    "connectors.telegram.TelegramInput": "TELEGRAM_BOT_TOKEN",
    "connectors.slack.SlackInput": "SLACK_BOT_TOKEN",
}


def build_credentials(env: Mapping[str, str]) -> dict:
    credentials = _load("credentials.yml")
    for connector, required_variable in OPTIONAL_CHANNELS.items():
        if env.get(required_variable):
            credentials[connector] = None
    return credentials


CHANNEL_NAMES = {
    "rest": "REST API",
    "connectors.socketio.WidgetSocketIOInput": "website widget",
    "connectors.telegram.TelegramInput": "Telegram",
    "connectors.slack.SlackInput": "Slack",
}


def enabled_channels(credentials: Mapping[str, object]) -> list:
    """Names people know the enabled channels by, for `make run`'s banner."""
    return [CHANNEL_NAMES.get(name, name) for name in credentials]


def write_runtime_config(out_dir: Path, env: Optional[Mapping[str, str]] = None) -> tuple:
    """Write endpoints.yml and credentials.yml for `env` into out_dir; return their paths."""
    env = os.environ if env is None else env
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in (("endpoints.yml", build_endpoints(env)),
                          ("credentials.yml", build_credentials(env))):
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
