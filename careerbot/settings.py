"""Runtime settings from environment variables, in one place.

Secrets (tokens, passwords) are only ever read from the environment, never from files in the
repository, and never logged.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Mapping, Optional, Tuple
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The environment every `rasa train` of this project runs in (the Makefile's TRAIN_ENV says the
# same): TensorFlow's deterministic ops and a fixed Python hash seed make training reproducible,
# so two trainings of the same data give the same model, not just the same figures on average.
TRAINING_ENV = {"TF_DETERMINISTIC_OPS": "1", "PYTHONHASHSEED": "0"}


def data_dir(env: Optional[Mapping[str, str]] = None) -> Path:
    """Where runtime data lives (SQLite files); created on first use."""
    env = os.environ if env is None else env
    path = Path(env.get("CAREERBOT_DATA_DIR") or PROJECT_ROOT / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """PostgreSQL when DATABASE_URL is set, else the conversations SQLite file under data_dir()."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir() / 'conversations.db'}"


def office_file() -> Path:
    return Path(os.environ.get("OFFICE_FILE") or PROJECT_ROOT / "office.yml")


def allowed_origins() -> list:
    """Origins allowed to embed the chat widget (WIDGET_ALLOWED_ORIGINS, comma-separated)."""
    raw = os.environ.get("WIDGET_ALLOWED_ORIGINS", "http://localhost:8080,http://127.0.0.1:8080")
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]


class SettingsError(ValueError):
    """An environment variable whose value cannot be used; the message names it and says why."""


def staff_time_zone(env: Optional[Mapping[str, str]] = None) -> ZoneInfo:
    """The office's time zone for the times staff read (STAFF_TIMEZONE, default UTC)."""
    env = os.environ if env is None else env
    name = env.get("STAFF_TIMEZONE") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"STAFF_TIMEZONE {name!r} is not a known time zone") from error


@dataclass(frozen=True)
class SmtpServer:
    """Where crisis alerts are sent by e-mail (ALERT_SMTP_URL)."""

    host: str
    port: int
    implicit_tls: bool  # smtps://: TLS from the first byte; smtp://: STARTTLS when offered
    username: str = ""
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class AlertSettings:
    """Where and how crisis alerts go; read once when the web app starts (alert_settings())."""

    smtp: Optional[SmtpServer]
    email_to: Tuple[str, ...]
    email_from: str
    # A Slack or Teams webhook URL is itself the credential: kept out of repr and logs.
    webhook_url: str = field(repr=False)
    staff_public_url: str
    time_zone: ZoneInfo
    timeout_seconds: float
    retry_seconds: float
    retry_hours: float

    @property
    def destinations(self) -> Tuple[str, ...]:
        """The configured destinations, by the names the alert outbox tracks them under."""
        return tuple(name for name, on in (("email", self.smtp is not None), ("webhook", bool(self.webhook_url)))
                     if on)


SMTP_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_EMAIL_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")


def _smtp_server(url: str) -> Optional[SmtpServer]:
    if not url:
        return None
    parts = urlsplit(url)
    problem = ""
    try:
        port = parts.port
    except ValueError:
        port, problem = None, "its port is not a number from 1 to 65535"
    if parts.scheme not in SMTP_DEFAULT_PORTS:
        problem = "it must start with smtp:// (STARTTLS when the server offers it) or smtps:// (TLS)"
    elif not parts.hostname:
        problem = "it names no host"
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        problem = "it must be smtp://[user:password@]host[:port] with nothing after the port"
    if problem:
        # The URL may hold a password: the message names the variable, not its value.
        raise SettingsError(f"ALERT_SMTP_URL cannot be used: {problem}")
    return SmtpServer(parts.hostname, port or SMTP_DEFAULT_PORTS[parts.scheme], parts.scheme == "smtps",
                      unquote(parts.username or ""), unquote(parts.password or ""))


def _email_address(name: str, value: str) -> str:
    address = parseaddr(value)[1]
    if not _EMAIL_ADDRESS.fullmatch(address):
        raise SettingsError(f"{name} {value!r} is not an e-mail address")
    return value


def _web_url(name: str, value: str, secret: bool = False) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = "" if secret else f" {value!r}"
        raise SettingsError(f"{name}{shown} must be an http:// or https:// URL with a host name")
    return value


def _positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name) or ""
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"{name} {raw!r} must be a number greater than 0")
    return value


def alert_settings(env: Optional[Mapping[str, str]] = None) -> AlertSettings:
    """Crisis alert settings from the environment, validated (SettingsError says what is wrong)."""
    env = os.environ if env is None else env
    smtp = _smtp_server(env.get("ALERT_SMTP_URL", "").strip())
    email_to = tuple(_email_address("ALERT_EMAIL_TO", address.strip())
                     for address in env.get("ALERT_EMAIL_TO", "").split(",") if address.strip())
    if smtp and not email_to:
        raise SettingsError("ALERT_SMTP_URL is set but ALERT_EMAIL_TO is not: say who gets the alert e-mails")
    if email_to and not smtp:
        raise SettingsError("ALERT_EMAIL_TO is set but ALERT_SMTP_URL is not: say which server sends them")
    public_url = _web_url("STAFF_PUBLIC_URL", env.get("STAFF_PUBLIC_URL", "").strip() or "http://localhost:8080")
    if urlsplit(public_url).query or urlsplit(public_url).fragment:
        raise SettingsError(f"STAFF_PUBLIC_URL {public_url!r} must not have a query or fragment")
    webhook_url = env.get("ALERT_WEBHOOK_URL", "").strip()
    default_from = f"Career assistant <noreply@{urlsplit(public_url).hostname}>"
    return AlertSettings(
        smtp=smtp, email_to=email_to,
        email_from=_email_address("ALERT_EMAIL_FROM", env.get("ALERT_EMAIL_FROM", "").strip() or default_from),
        webhook_url=_web_url("ALERT_WEBHOOK_URL", webhook_url, secret=True) if webhook_url else "",
        staff_public_url=public_url.rstrip("/"),
        time_zone=staff_time_zone(env),
        timeout_seconds=_positive_number(env, "ALERT_TIMEOUT_SECONDS", 5.0),
        retry_seconds=_positive_number(env, "ALERT_RETRY_SECONDS", 30.0),
        retry_hours=_positive_number(env, "ALERT_RETRY_HOURS", 6.0),
    )
