"""The sign-in throttle: guesses sent all at once, and each client counted at its own address.

Runs the real web app on SQLite and on PostgreSQL, configured as the production profile configures
it behind nginx (TRUSTED_PROXIES=127.0.0.1). Every client here connects from its own loopback
address (all of 127.0.0.0/8 is loopback), so that each test's failures are its own; the one at
127.0.0.1 stands for nginx. tests/test_secure_defaults.py does the same through nginx itself.
"""
from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from careerbot.console.accounts import MAX_FAILURES, MAX_FAILURES_PER_ADDRESS
from careerbot.processes import free_port
from tests.support import rasa_events as ev
from tests.support.staff import (ADMIN, COUNSELOR, StaffClient, audit_rows, console_env, seeded_console,
                                 sign_ins_at_once, signed_in)

NGINX = "127.0.0.1"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"sign-in-throttle-{request.param}")
    conversation = ev.Conversation("throttle-test-1", time.time() - 600)
    conversation.add(*ev.session_start(), ev.user("hello", "greet"), ev.bot("Hi!"))
    with seeded_console(request.param, work, [conversation], {"TRUSTED_PROXIES": NGINX}) as (url, db_url, _):
        yield url, db_url, work / "logs" / "web_app.log"


def test_guesses_sent_at_once_reach_the_password_check_at_most_five_times(console):
    base_url, _, _ = console
    statuses = sign_ins_at_once(base_url, ADMIN[0], "wrong-password-guess", 15, address="127.0.0.11")
    assert Counter(statuses) == {401: MAX_FAILURES, 429: 15 - MAX_FAILURES}
    # The account is locked for that address, and only for it.
    assert StaffClient(base_url, "127.0.0.11").login(ADMIN[0], ADMIN[2]).status_code == 429
    assert StaffClient(base_url, "127.0.0.12").login(ADMIN[0], ADMIN[2]).status_code == 303


def test_an_address_that_keeps_failing_does_not_lock_out_colleagues_elsewhere(console):
    base_url, _, _ = console
    attacker = StaffClient(base_url, "127.0.0.21")
    for username in (COUNSELOR[0], ADMIN[0], "nobody-1", "nobody-2"):
        for _ in range(MAX_FAILURES_PER_ADDRESS // 4):
            assert attacker.login(username, "wrong-password-guess").status_code == 401
    assert attacker.login(COUNSELOR[0], COUNSELOR[2]).status_code == 429
    assert attacker.login("nobody-3", "wrong-password-guess").status_code == 429
    # The address it names is not believed from a client that is not a trusted proxy.
    for n in range(30, 40):
        forged = {"X-Real-IP": f"127.0.0.{n}", "X-Forwarded-For": f"127.0.0.{n}"}
        assert attacker.login(COUNSELOR[0], COUNSELOR[2], headers=forged).status_code == 429
    for account in (COUNSELOR, ADMIN):
        assert StaffClient(base_url, "127.0.0.22").login(account[0], account[2]).status_code == 303


def test_behind_the_trusted_proxy_each_client_is_counted_at_the_address_it_names(console):
    base_url, _, _ = console
    proxy = StaffClient(base_url, NGINX)
    attacker, colleague = {"X-Real-IP": "127.0.0.31"}, {"X-Real-IP": "127.0.0.32"}
    for _ in range(MAX_FAILURES):
        assert proxy.login(COUNSELOR[0], "wrong-password-guess", headers=attacker).status_code == 401
    assert proxy.login(COUNSELOR[0], COUNSELOR[2], headers=attacker).status_code == 429
    assert proxy.login(COUNSELOR[0], COUNSELOR[2], headers=colleague).status_code == 303


def test_failed_sign_ins_are_audited_without_the_password(console):
    base_url, database_url, log_path = console
    client = StaffClient(base_url, "127.0.0.41")
    wrong, typed_in_the_username_box = "Secret-guess-41-wrong", "Secret-typed-41-as-username"
    assert client.login(COUNSELOR[0], wrong).status_code == 401
    assert client.login(typed_in_the_username_box, wrong).status_code == 401
    admin = signed_in(base_url, ADMIN, address="127.0.0.42")
    mine = [row for row in audit_rows(admin, "login_failed") if row[0] == "ip:127.0.0.41"]
    assert len(mine) == 2, mine
    assert mine[1][1] == COUNSELOR[0] and "wrong password" in mine[1][2]  # newest first
    assert mine[0][1] == "" and "unknown account" in mine[0][2]
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        audit_log = repr(connection.execute(sa.text("SELECT * FROM console_audit")).fetchall())
    engine.dispose()
    for secret in (wrong, typed_in_the_username_box):
        assert secret not in audit_log and secret not in log_path.read_text(errors="replace")


def test_a_trusted_proxy_that_is_not_an_address_stops_the_web_app_with_a_clear_message(tmp_path):
    env = console_env(tmp_path, extra={"TRUSTED_PROXIES": "127.0.0.1, nginx"})
    started = subprocess.run([sys.executable, "-m", "careerbot.web", "--port", str(free_port())], env=env,
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 2
    assert "error: TRUSTED_PROXIES: 'nginx' is not an IP address or network" in started.stderr
