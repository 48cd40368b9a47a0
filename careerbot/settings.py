"""Runtime settings from environment variables, in one place.

Secrets (tokens, passwords) are only ever read from the environment, never from files in the
repository, and never logged.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Bodies larger than this are refused (413) by the Rasa and action servers (SANIC_REQUEST_MAX_SIZE),
# the staff web app and, in production, nginx: no chat message, Telegram update, Slack event or
# staff form comes near it.
MAX_REQUEST_BYTES = 1024 * 1024

# The environment every `rasa train` of this project runs in (the Makefile's TRAIN_ENV says the
# same): TensorFlow's deterministic ops and a fixed Python hash seed make training reproducible,
# so two trainings of the same data give the same model, not just the same figures on average.
TRAINING_ENV = {"TF_DETERMINISTIC_OPS": "1", "PYTHONHASHSEED": "0"}


def keep_new_files_private() -> None:
    """Every file and folder this process creates from now on is its user's alone (umask 077).

    The data folder holds conversations and staff password hashes. The umask, and not a mode
    given to each file, because SQLite, Rasa and nginx create files there of their own accord
    (journals, write-ahead logs, temporary files)."""
    os.umask(0o077)


def data_dir(env: Optional[Mapping[str, str]] = None) -> Path:
    """Where runtime data lives (SQLite files); created on first use. It is open to this user
    only, as is every file this process creates from then on (keep_new_files_private)."""
    env = os.environ if env is None else env
    keep_new_files_private()
    path = Path(env.get("CAREERBOT_DATA_DIR") or PROJECT_ROOT / "var")
    path.mkdir(parents=True, exist_ok=True)
    # A folder made before, by an older version or by hand; one another user owns (a mounted
    # volume) is theirs to set. Its files made before (the SQLite databases, readable by all
    # under the usual umask) hold conversations and password hashes: they become this user's
    # alone too.
    if path.stat().st_uid == os.geteuid():
        path.chmod(0o700)
        for entry in path.iterdir():
            details = entry.lstat()
            if stat.S_ISREG(details.st_mode) and details.st_uid == os.geteuid() and details.st_mode & 0o077:
                entry.chmod(stat.S_IMODE(details.st_mode) & 0o700)
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


SECRET_MIN_LENGTH = 32
# RFC 6750's token68: what an Authorization header can carry as it is.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")


def _checked_secret(name: str, value: str) -> str:
    if len(value) < SECRET_MIN_LENGTH or not _BEARER_TOKEN.fullmatch(value):
        # A secret: the message names the variable, not its value.
        raise SettingsError(f"{name} must be at least {SECRET_MIN_LENGTH} letters, digits or "
                            "- . _ ~ + / characters (e.g. `openssl rand -hex 32`)")
    return value


def _shared_secret(env: Optional[Mapping[str, str]], name: str, new_if_unset: bool,
                   needed_because: str) -> str:
    """A secret that all the server processes of a deployment share. `new_if_unset`: a fresh one
    when the variable is unset, for a launcher that gives it to all of them."""
    env = os.environ if env is None else env
    value = env.get(name) or ""
    if not value and new_if_unset:
        return secrets.token_urlsafe(SECRET_MIN_LENGTH)
    if not value:
        raise SettingsError(f"{name} is not set: {needed_because} (`make run` and "
                            "`make run-production` make one when it is unset)")
    return _checked_secret(name, value)


def carries_bearer_token(authorization: str, token: str) -> bool:
    """Whether an `Authorization` header's value is `Bearer <token>`, compared in constant time
    (as bytes: compare_digest refuses text that is not ASCII)."""
    return hmac.compare_digest(authorization.encode(errors="replace"), f"Bearer {token}".encode())


def action_server_token(env: Optional[Mapping[str, str]] = None, new_if_unset: bool = False) -> str:
    """The secret the Rasa server sends the action server with every call (ACTION_SERVER_TOKEN):
    the action server runs nothing for a caller without it."""
    return _shared_secret(env, "ACTION_SERVER_TOKEN", new_if_unset,
                          "the action server runs actions only for callers that send it, and the "
                          "Rasa server must send the same one")


def widget_session_secret(env: Optional[Mapping[str, str]] = None, new_if_unset: bool = False) -> str:
    """The key the Rasa server signs the chat widget's session ids with (WIDGET_SESSION_SECRET):
    a visitor keeps their conversation across reloads and instances only while it stays the same."""
    return _shared_secret(env, "WIDGET_SESSION_SECRET", new_if_unset,
                          "the chat widget's session ids are signed with it, and every Rasa "
                          "instance must have the same one")


def rest_channel_token(env: Optional[Mapping[str, str]] = None) -> str:
    """The secret REST clients must send (`Authorization: Bearer`) when REST_CHANNEL_TOKEN is set;
    "" when it is not."""
    env = os.environ if env is None else env
    token = env.get("REST_CHANNEL_TOKEN") or ""
    return _checked_secret("REST_CHANNEL_TOKEN", token) if token else ""


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


def _env_number(env: Mapping[str, str], name: str, default: Any, kind: Callable[[str], Any],
                is_valid: Callable[[Any], bool], requirement: str) -> Any:
    raw = env.get(name) or ""
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not is_valid(value):
        raise SettingsError(f"{name} {raw!r} must be {requirement}")
    return value


def _positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    return _env_number(env, name, default, float, lambda value: 0 < value < float("inf"),
                       "a number greater than 0")


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    return _env_number(env, name, default, int, lambda value: value >= 1,
                       "a whole number of at least 1")


@dataclass(frozen=True)
class ChannelRateLimit:
    """How fast one client of the chat channels may send (careerbot/rate_limit.py): `burst`
    messages at once, then `per_minute`; read once when a channel starts (channel_rate_limit())."""

    per_minute: float
    burst: int


def channel_rate_limit(env: Optional[Mapping[str, str]] = None) -> ChannelRateLimit:
    """The channels' rate limit (CHANNEL_RATE_PER_MINUTE, CHANNEL_RATE_BURST), validated.

    A fast typist sends about one message a second, a few in a row at most; and only messages
    sent before the previous one was answered count. The defaults never stop a person; a client
    that floods has ten messages handled besides the one in progress, then one a second."""
    env = os.environ if env is None else env
    return ChannelRateLimit(per_minute=_positive_number(env, "CHANNEL_RATE_PER_MINUTE", 60.0),
                            burst=_whole_number(env, "CHANNEL_RATE_BURST", 10))


def staff_public_url(env: Optional[Mapping[str, str]] = None) -> str:
    """The staff console's address as staff reach it (STAFF_PUBLIC_URL, default
    http://localhost:8080), without a trailing slash."""
    env = os.environ if env is None else env
    public_url = _web_url("STAFF_PUBLIC_URL", env.get("STAFF_PUBLIC_URL", "").strip() or "http://localhost:8080")
    if urlsplit(public_url).query or urlsplit(public_url).fragment:
        raise SettingsError(f"STAFF_PUBLIC_URL {public_url!r} must not have a query or fragment")
    return public_url.rstrip("/")


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
    public_url = staff_public_url(env)
    webhook_url = env.get("ALERT_WEBHOOK_URL", "").strip()
    default_from = f"Career assistant <noreply@{urlsplit(public_url).hostname}>"
    return AlertSettings(
        smtp=smtp, email_to=email_to,
        email_from=_email_address("ALERT_EMAIL_FROM", env.get("ALERT_EMAIL_FROM", "").strip() or default_from),
        webhook_url=_web_url("ALERT_WEBHOOK_URL", webhook_url, secret=True) if webhook_url else "",
        staff_public_url=public_url,
        time_zone=staff_time_zone(env),
        timeout_seconds=_positive_number(env, "ALERT_TIMEOUT_SECONDS", 5.0),
        retry_seconds=_positive_number(env, "ALERT_RETRY_SECONDS", 30.0),
        retry_hours=_positive_number(env, "ALERT_RETRY_HOURS", 6.0),
    )


IpNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


@dataclass(frozen=True)
class WebSettings:
    """How browsers reach the web app; read once when it starts (web_settings())."""

    # STAFF_PUBLIC_URL is https://: the session cookie is always Secure and every response asks
    # for HTTPS (HSTS), whether or not the proxies in between say the request came over TLS.
    https_only: bool
    # TRUSTED_PROXIES: the reverse proxies whose X-Real-IP names the client. Believed from them
    # only: anyone else could send one, and a new address each time escapes the sign-in throttle.
    trusted_proxies: Tuple[IpNetwork, ...]

    def is_trusted_proxy(self, address: str) -> bool:
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:  # a UNIX socket's peer, which has no address
            return False
        return any(peer in network for network in self.trusted_proxies)


def _trusted_proxy(value: str) -> IpNetwork:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError as error:
        raise SettingsError(f"TRUSTED_PROXIES: {value!r} is not an IP address or network "
                            "(e.g. 127.0.0.1 or 10.0.0.0/8)") from error


def web_settings(env: Optional[Mapping[str, str]] = None) -> WebSettings:
    """The web app's settings from the environment, validated (SettingsError says what is wrong)."""
    env = os.environ if env is None else env
    proxies = tuple(_trusted_proxy(item.strip())
                    for item in env.get("TRUSTED_PROXIES", "").split(",") if item.strip())
    return WebSettings(https_only=staff_public_url(env).startswith("https://"), trusted_proxies=proxies)
