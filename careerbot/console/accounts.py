"""Staff accounts, sign-in, server-side sessions and sign-in throttling.

Passwords are hashed with argon2 (argon2-cffi defaults). A session is a random token in an
HttpOnly cookie; the database keeps only its SHA-256, so a copy of the database does not let
anyone sign in. Sessions end after a period without use and after an absolute lifetime.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text

from careerbot.console.db import Database

ROLES = ("counselor", "admin")
MIN_PASSWORD_LENGTH = 10
IDLE_TIMEOUT_SECONDS = 8 * 3600
SESSION_LIFETIME_SECONDS = 24 * 3600
# Refreshing last_seen on every request would make every page a write; once a minute is enough
# for an idle timeout measured in hours.
LAST_SEEN_RESOLUTION_SECONDS = 60
MAX_FAILURES = 5
# Also per address across usernames, so that trying many usernames is throttled too.
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW_SECONDS = 15 * 60

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong username takes as long as a
# wrong password and response times do not tell which usernames exist.
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """Bad input for an account (unknown role, short password, bad username)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    token_hash: str
    user: User
    csrf_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_username(username: str) -> str:
    username = (username or "").strip()
    if not (1 <= len(username) <= 150) or any(ch.isspace() for ch in username):
        raise AccountError("A username is 1 to 150 characters without spaces.")
    return username


def create_or_update_user(db: Database, username: str, role: str, password: str) -> bool:
    """Create the account or reset its role and password; True when it was created."""
    username = validate_username(username)
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    password_hash = _hasher.hash(password)
    with db.transaction(write_lock=True) as connection:
        existing = connection.execute(text("SELECT id FROM console_users WHERE username = :u"),
                                      {"u": username}).scalar()
        if existing is None:
            connection.execute(text("INSERT INTO console_users (username, password_hash, role, created_at) "
                                    "VALUES (:u, :h, :r, :t)"),
                               {"u": username, "h": password_hash, "r": role, "t": time.time()})
            return True
        connection.execute(text("UPDATE console_users SET password_hash = :h, role = :r WHERE id = :id"),
                           {"h": password_hash, "r": role, "id": existing})
        # A password reset ends every session the account had.
        connection.execute(text("DELETE FROM console_sessions WHERE user_id = :id"), {"id": existing})
        return False


def failures_left(db: Database, username: str, ip: str) -> int:
    """Sign-in attempts left for this username from this address in the current window."""
    since = time.time() - FAILURE_WINDOW_SECONDS
    with db.transaction() as connection:
        for_username = connection.execute(text(
            "SELECT COUNT(*) FROM console_login_failures WHERE username = :u AND ip = :ip AND at > :since"),
            {"u": username[:150], "ip": ip[:64], "since": since}).scalar()
        for_address = connection.execute(text(
            "SELECT COUNT(*) FROM console_login_failures WHERE ip = :ip AND at > :since"),
            {"ip": ip[:64], "since": since}).scalar()
    return max(0, min(MAX_FAILURES - for_username, MAX_FAILURES_PER_ADDRESS - for_address))


def authenticate(db: Database, username: str, password: str, ip: str) -> Optional[User]:
    """The user when the password matches; otherwise record a failure and return None."""
    with db.transaction() as connection:
        row = connection.execute(text("SELECT id, username, role, password_hash FROM console_users "
                                      "WHERE username = :u"), {"u": username[:150]}).first()
    try:
        _hasher.verify(row.password_hash if row else _UNKNOWN_USER_HASH, password)
        if row is not None:
            return User(row.id, row.username, row.role)
    except (VerificationError, InvalidHashError):
        pass
    with db.transaction(write_lock=True) as connection:
        now = time.time()
        connection.execute(text("DELETE FROM console_login_failures WHERE at < :old"),
                           {"old": now - FAILURE_WINDOW_SECONDS})
        connection.execute(text("INSERT INTO console_login_failures (username, ip, at) VALUES (:u, :ip, :t)"),
                           {"u": username[:150], "ip": ip[:64], "t": now})
    return None


def clear_failures(db: Database, username: str, ip: str) -> None:
    with db.transaction(write_lock=True) as connection:
        connection.execute(text("DELETE FROM console_login_failures WHERE username = :u AND ip = :ip"),
                           {"u": username[:150], "ip": ip[:64]})


def start_session(db: Database, user: User) -> str:
    """Create a session for `user`; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with db.transaction(write_lock=True) as connection:
        connection.execute(text("DELETE FROM console_sessions WHERE last_seen < :idle OR created_at < :old"),
                           {"idle": now - IDLE_TIMEOUT_SECONDS, "old": now - SESSION_LIFETIME_SECONDS})
        connection.execute(text("INSERT INTO console_sessions (token_hash, user_id, csrf_token, created_at, "
                                "last_seen) VALUES (:h, :u, :c, :t, :t)"),
                           {"h": _token_hash(token), "u": user.id, "c": secrets.token_urlsafe(32), "t": now})
    return token


def load_session(db: Database, token: Optional[str], touch: bool = True) -> Optional[Session]:
    """The live session for a cookie token, or None when absent, unknown or expired.

    `touch=False` leaves the idle timer alone: a page's own background updates are not someone at
    the screen, and must not keep a console left open signed in for ever."""
    if not token or len(token) > 100:
        return None
    token_hash = _token_hash(token)
    now = time.time()
    with db.transaction() as connection:
        row = connection.execute(text(
            "SELECT s.csrf_token, s.created_at, s.last_seen, u.id, u.username, u.role "
            "FROM console_sessions s JOIN console_users u ON u.id = s.user_id WHERE s.token_hash = :h"),
            {"h": token_hash}).first()
    if row is None:
        return None
    if row.last_seen < now - IDLE_TIMEOUT_SECONDS or row.created_at < now - SESSION_LIFETIME_SECONDS:
        end_session(db, token_hash)
        return None
    if touch and now - row.last_seen > LAST_SEEN_RESOLUTION_SECONDS:
        with db.transaction() as connection:
            connection.execute(text("UPDATE console_sessions SET last_seen = :t WHERE token_hash = :h"),
                               {"t": now, "h": token_hash})
    return Session(token_hash, User(row.id, row.username, row.role), row.csrf_token)


def end_session(db: Database, token_hash: str) -> None:
    with db.transaction() as connection:
        connection.execute(text("DELETE FROM console_sessions WHERE token_hash = :h"), {"h": token_hash})
        connection.execute(text("DELETE FROM console_reveals WHERE token_hash = :h"), {"h": token_hash})


def tokens_match(expected: Optional[str], submitted: Optional[str]) -> bool:
    """Constant-time comparison; bytes, because compare_digest rejects non-ASCII text."""
    return bool(expected) and bool(submitted) and hmac.compare_digest(expected.encode(), submitted.encode())


def csrf_matches(session: Session, submitted: Optional[str]) -> bool:
    return tokens_match(session.csrf_token, submitted)
