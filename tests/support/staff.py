"""Helpers for the staff console tests: a throwaway PostgreSQL database, the real web app as a
subprocess, staff accounts made with the real CLI, and an HTTP client that signs in like a browser."""
from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter

from tests.support import rasa_events
from tests.support.servers import USUAL_UMASK, ServerProcess, base_env, start_web_app
from tests.support.services import postgres_url, private_services

COUNSELOR = ("casey", "counselor", "counselor-password-1")
ADMIN = ("ada", "admin", "admin-password-12")


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database on the tests' server for one test module, or on a server of
    its own for a benchmark run alone; dropped afterwards."""
    name = "careerbot_test_" + uuid.uuid4().hex[:12]
    with private_services():
        admin = sa.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield postgres_url(name)
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def console_env(data_dir: Path, database_url: Optional[str] = None,
                extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Environment of a process that uses the console's database (SQLite file or PostgreSQL)."""
    env = base_env(data_dir, extra)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'conversations.db'}"


def run_console_cli(env: Mapping[str, str], *args: str, password: Optional[str] = None) -> subprocess.CompletedProcess:
    """`python -m careerbot.console ...`, as `make staff-user` / `make purge-conversations` run it."""
    env = dict(env)
    if password is not None:
        env["STAFF_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "careerbot.console", *args], env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL, umask=USUAL_UMASK)


def create_staff(env: Mapping[str, str]) -> None:
    for username, role, password in (COUNSELOR, ADMIN):
        result = run_console_cli(env, "user", username, "--role", role, password=password)
        assert result.returncode == 0, result.stderr


def start_staff_web_app(env: Mapping[str, str], log_dir: Path) -> ServerProcess:
    """The web app, ready once the console's sign-in page answers (migrations have run)."""
    return start_web_app(env, log_dir, ready_path="/staff/login")


@contextlib.contextmanager
def seeded_console(database: str, work: Path, conversations: Iterable[rasa_events.Conversation],
                   extra_env: Optional[Mapping[str, str]] = None) -> Iterator[Tuple[str, str, Dict[str, str]]]:
    """The real web app over a tracker store ("sqlite" or "postgresql") holding `conversations`, with
    the test staff accounts: (its base URL, the database URL, its environment)."""
    data_dir = work / "var"
    data_dir.mkdir()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if database == "postgresql" else sqlite_url(data_dir)
        rasa_events.store(url, conversations)
        env = console_env(data_dir, url if database == "postgresql" else None, extra_env)
        create_staff(env)
        server = start_staff_web_app(env, work / "logs")
        stack.callback(server.stop)
        yield server.url, url, env


class _FromAddress(HTTPAdapter):
    """Connections from one local address. All of 127.0.0.0/8 is loopback, so one test can be
    clients at several addresses, as the sign-in throttle sees them."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


class StaffClient:
    """A signed-in (or anonymous) visitor of the console, keeping cookies like a browser;
    connecting from `address` (a 127.x.y.z) when given."""

    def __init__(self, base_url: str, address: Optional[str] = None) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        if address:
            self.http.mount("http://", _FromAddress(address))

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.http.get(self.base_url + path, timeout=60, **kwargs)

    def post(self, path: str, data: Optional[dict] = None, csrf: bool = True, **kwargs) -> requests.Response:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.base_url + path, data=data, timeout=60, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/staff/queue")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on the page (status {page.status_code})"
        return match.group(1)

    def login_token(self) -> str:
        """The token of a fresh sign-in form (its cookie is kept)."""
        form = self.get("/staff/login")
        return re.search(r'name="login_token" value="([^"]+)"', form.text).group(1)

    def login(self, username: str, password: str, headers: Optional[dict] = None,
              token: Optional[str] = None) -> requests.Response:
        return self.http.post(self.base_url + "/staff/login", timeout=60, allow_redirects=False,
                              headers=headers or {},
                              data={"login_token": token or self.login_token(), "username": username,
                                    "password": password})


def signed_in(base_url: str, account=COUNSELOR, address: Optional[str] = None) -> StaffClient:
    client = StaffClient(base_url, address)
    response = client.login(account[0], account[2])
    assert response.status_code == 303, response.text
    return client


def sign_ins_at_once(base_url: str, username: str, password: str, count: int,
                     address: Optional[str] = None) -> List[int]:
    """The statuses of `count` sign-ins sent at the same moment, each from its own sign-in form."""
    clients = [StaffClient(base_url, address) for _ in range(count)]
    tokens = [client.login_token() for client in clients]
    start = threading.Barrier(count)

    def sign_in(index: int) -> int:
        start.wait()
        return clients[index].login(username, password, token=tokens[index]).status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(sign_in, range(count)))


def audit_rows(client: StaffClient, action: str) -> list:
    """(who, what, details) of the audit log's entries of one action, as an admin reads them."""
    page = client.get(f"/staff/audit?action={action}")
    assert page.status_code == 200
    return re.findall(r'<td>([^<]*)</td>\s*<td><span class="chip">' + action +
                      r'</span></td>\s*<td>([^<]*)</td>\s*<td class="details">(.*?)</td>', page.text, re.S)


def timeline(page: str) -> str:
    """A transcript page's events, without the sidebar (whose Call back panel shows the counselor
    who opened the case the contact left for a call back)."""
    return re.search(r'<section class="timeline".*?</section>', page, re.S).group(0)
