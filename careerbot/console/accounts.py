"""Staff accounts, sign-in, server-side sessions and sign-in throttling.

Passwords are hashed with argon2 (argon2-cffi defaults); one on a list of common passwords is
refused whatever its length. A session is a random token in an HttpOnly cookie; the database keeps
only its SHA-256, so a copy of the database does not let anyone sign in. Sessions end after a
period without use, after an absolute lifetime, and when their account is disabled or deleted.
Every change to an account is in the audit log, under the name of whoever made it, and so is every
failed sign-in, under the address it came from. Failures are limited per account and address and
per address (authenticate).
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text

from careerbot.console import audit
from careerbot.console.db import Database

ROLES = ("counselor", "admin")
MIN_PASSWORD_LENGTH = 10
# Lowercased; its source and licence are in common-passwords.NOTICE beside it.
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
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


@functools.lru_cache(maxsize=1)
def _common_passwords() -> FrozenSet[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines)


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if password.strip().lower() in _common_passwords():
        raise AccountError("That password is on a list of common passwords, the first ones anyone "
                           "trying to break in types: choose another.")
    return password


def _end_sessions(connection, user_id: int) -> None:
    connection.execute(text("DELETE FROM console_reveals WHERE token_hash IN "
                            "(SELECT token_hash FROM console_sessions WHERE user_id = :id)"), {"id": user_id})
    connection.execute(text("DELETE FROM console_sessions WHERE user_id = :id"), {"id": user_id})


def create_or_update_user(db: Database, username: str, role: str, password: str, actor: str) -> bool:
    """Create the account or reset its role and password; True when it was created."""
    username = validate_username(username)
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    password_hash = _hasher.hash(validate_password(password))
    with db.transaction(write_lock=True) as connection:
        existing = connection.execute(text("SELECT id, role FROM console_users WHERE username = :u"),
                                      {"u": username}).first()
        if existing is None:
            connection.execute(text("INSERT INTO console_users (username, password_hash, role, created_at) "
                                    "VALUES (:u, :h, :r, :t)"),
                               {"u": username, "h": password_hash, "r": role, "t": time.time()})
            audit.record(connection, actor, "create_user", username, {"role": role})
            return True
        connection.execute(text("UPDATE console_users SET password_hash = :h, role = :r WHERE id = :id"),
                           {"h": password_hash, "r": role, "id": existing.id})
        # A password reset ends every session the account had.
        _end_sessions(connection, existing.id)
        audit.record(connection, actor, "reset_password", username)
        if existing.role != role:
            audit.record(connection, actor, "change_role", username, {"from": existing.role, "to": role})
        return False


def _account(connection, username: str):
    row = connection.execute(text("SELECT id, role FROM console_users WHERE username = :u"),
                             {"u": username}).first()
    if row is None:
        raise AccountError(f"There is no account named {username!r}.")
    return row


def set_disabled(db: Database, username: str, disabled: bool, actor: str) -> bool:
    """Disable the account, ending its sessions, or enable it again; False when it already was."""
    with db.transaction(write_lock=True) as connection:
        user_id = _account(connection, username).id
        changed = connection.execute(text(
            f"UPDATE console_users SET disabled_at = :t WHERE id = :id AND disabled_at IS "
            f"{'NULL' if disabled else 'NOT NULL'}"),
            {"t": time.time() if disabled else None, "id": user_id}).rowcount
        if disabled:
            _end_sessions(connection, user_id)
        if changed:
            audit.record(connection, actor, "disable_user" if disabled else "enable_user", username)
    return bool(changed)


def delete_user(db: Database, username: str, actor: str) -> None:
    """Delete the account and end its sessions; what it did stays in the audit log under its name."""
    with db.transaction(write_lock=True) as connection:
        account = _account(connection, username)
        _end_sessions(connection, account.id)
        connection.execute(text("DELETE FROM console_users WHERE id = :id"), {"id": account.id})
        audit.record(connection, actor, "delete_user", username, {"role": account.role})


class TooManyAttempts(Exception):
    """Too many failed sign-ins for the account from this address, or from this address."""


def _count_attempt(db: Database, username: str, ip: str) -> bool:
    """Count a sign-in attempt as failed (until it succeeds), or refuse it: False when a limit is
    reached. It is counted before its password is checked, in the transaction that checks the
    limits, so that guesses sent all at once cannot all pass the check before any of them counts."""
    now = time.time()
    with db.transaction(write_lock=True) as connection:
        if db.is_postgres:
            # SQLite's write lock already makes these transactions one at a time; PostgreSQL would
            # let two of them count the same rows and both insert. Reads are not held up.
            connection.execute(text("LOCK TABLE console_login_failures IN EXCLUSIVE MODE"))
        connection.execute(text("DELETE FROM console_login_failures WHERE at < :old"),
                           {"old": now - FAILURE_WINDOW_SECONDS})
        for_account, for_address = connection.execute(text(
            "SELECT COALESCE(SUM(CASE WHEN username = :u THEN 1 ELSE 0 END), 0), COUNT(*) "
            "FROM console_login_failures WHERE ip = :ip"), {"u": username, "ip": ip}).one()
        if for_account >= MAX_FAILURES or for_address >= MAX_FAILURES_PER_ADDRESS:
            return False
        connection.execute(text("INSERT INTO console_login_failures (username, ip, at) VALUES (:u, :ip, :t)"),
                           {"u": username, "ip": ip, "t": now})
    return True


def authenticate(db: Database, username: str, password: str, ip: str) -> Optional[User]:
    """The user when the password matches; None, and an entry in the audit log, when it does not.

    Raises TooManyAttempts, without looking at the password, after MAX_FAILURES failures for the
    account from this address or MAX_FAILURES_PER_ADDRESS from this address in the window: one
    address guessing cannot lock anyone out at another."""
    username, ip = username[:150], ip[:64]
    if not _count_attempt(db, username, ip):
        raise TooManyAttempts()
    with db.transaction() as connection:
        row = connection.execute(text("SELECT id, username, role, password_hash, disabled_at "
                                      "FROM console_users WHERE username = :u"), {"u": username}).first()
    try:
        _hasher.verify(row.password_hash if row else _UNKNOWN_USER_HASH, password)
        matches = row is not None
    except (VerificationError, InvalidHashError):
        matches = False
    # A disabled account is answered as an unknown one: same message, same time taken.
    if matches and row.disabled_at is None:
        with db.transaction(write_lock=True) as connection:
            # This attempt and the account's earlier failures from this address no longer count.
            connection.execute(text("DELETE FROM console_login_failures WHERE username = :u AND ip = :ip"),
                               {"u": username, "ip": ip})
        return User(row.id, row.username, row.role)
    reason = "unknown account" if row is None else "wrong password" if not matches else "account disabled"
    # Neither the password nor an unknown username, which is often a password typed in the wrong box.
    audit.record(db, f"ip:{ip}", "login_failed", row.username if row else None, {"reason": reason})
    return None


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
            "FROM console_sessions s JOIN console_users u ON u.id = s.user_id "
            "WHERE s.token_hash = :h AND u.disabled_at IS NULL"),
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
