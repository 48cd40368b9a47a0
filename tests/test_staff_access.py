"""Who may use the staff console: sign-in, sessions, roles, CSRF, sign-in throttling, and the
accounts themselves (audited changes, disabling and deleting, common passwords refused).

Runs the real web app (python -m careerbot.web) on an SQLite tracker database with one seeded
conversation; accounts are made with the real CLI.
"""
from __future__ import annotations

import functools
import re
import time

import pytest
import requests
import sqlalchemy as sa

from careerbot.web.app import create_app
from careerbot.web.staff.security import PUBLIC_ROUTES
from tests.support import rasa_events as ev
from tests.support.staff import (
    ADMIN, COUNSELOR, StaffClient, audit_rows, console_env, create_staff, run_console_cli, signed_in,
    sqlite_url, start_staff_web_app, timeline,
)

SENDER = "access-test-1"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    work = tmp_path_factory.mktemp("staff-access")
    data_dir = work / "var"
    data_dir.mkdir()
    conversation = ev.Conversation(SENDER, time.time() - 600)
    conversation.add(*ev.session_start(), ev.user("can I talk to a person", "request_human"),
                     ev.slot("contact_name", "Sam"), ev.slot("contact_detail", "sam@example.com"),
                     ev.slot("handoff_requested", True), ev.bot("A counselor will contact you."))
    ev.store(sqlite_url(data_dir), [conversation])
    env = console_env(data_dir)
    create_staff(env)
    server = start_staff_web_app(env, work / "logs")
    yield server.url, data_dir
    server.stop()


@functools.lru_cache(maxsize=None)  # Sanic allows one app of a name per process
def staff_routes():
    """Every route of the real app under /staff, with each of its methods."""
    app = create_app("staff_route_listing")
    found = []
    for route in app.router.routes:
        path = "/" + route.path
        if path == "/staff" or path.startswith("/staff/"):
            concrete = re.sub(r"<[^>]+>", "anything", path)
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                found.append((method, concrete, route.name.rsplit(".", 1)[-1]))
    return tuple(found)


def test_every_staff_route_refuses_anonymous_visitors(console):
    base_url, _ = console
    routes = staff_routes()
    # The listing really covers the console (a broken enumeration must not pass silently).
    assert {("GET", "/staff/queue"), ("GET", "/staff/conversation"), ("POST", "/staff/conversation/notes"),
            ("GET", "/staff/audit")} <= {(m, p) for m, p, _ in routes}
    anonymous = StaffClient(base_url)
    checked = 0
    for method, path, name in routes:
        if name in PUBLIC_ROUTES:
            continue
        url = f"{path}?id={SENDER}"
        if method == "GET":
            response = anonymous.get(url)
            assert response.status_code == 302, (method, path, response.status_code)
            assert response.headers["Location"].startswith("/staff/login?next="), path
        else:
            response = anonymous.post(url, data={"sender_id": SENDER, "body": "x", "tag": "x"}, csrf=False)
            assert response.status_code == 401, (method, path, response.status_code)
        assert "sam@example.com" not in response.text and "Sam" not in response.text
        checked += 1
    assert checked >= 18


def test_public_routes_are_only_the_sign_in_page_and_its_stylesheet(console):
    base_url, _ = console
    public = {(method, path) for method, path, name in staff_routes() if name in PUBLIC_ROUTES}
    assert public == {("GET", "/staff/login"), ("POST", "/staff/login"), ("GET", "/staff/static/anything")}
    anonymous = StaffClient(base_url)
    assert anonymous.get("/staff/static/staff.css").status_code == 200
    login = anonymous.get("/staff/login")
    assert login.status_code == 200 and "Sign in" in login.text


def test_sign_in_sets_a_strict_http_only_expiring_session_cookie(console):
    base_url, _ = console
    client = StaffClient(base_url)
    response = client.login(COUNSELOR[0], COUNSELOR[2])
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "staff_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    assert re.search(r"Max-Age=\d+", cookie)
    assert "Secure" not in cookie  # plain HTTP on loopback: a Secure cookie would never come back
    assert "Strict-Transport-Security" not in response.headers
    assert client.get("/staff/queue").status_code == 200


def test_session_cookie_is_secure_behind_an_https_proxy(console):
    base_url, _ = console
    response = StaffClient(base_url).login(COUNSELOR[0], COUNSELOR[2], headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 303
    session_cookie = [part for part in response.headers["Set-Cookie"].split(", staff_login")][0]
    assert "Secure" in session_cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_over_an_https_public_address_the_cookie_is_always_secure_and_https_required(tmp_path):
    # Whatever the proxies in between say: here none says anything.
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    env = console_env(data_dir, extra={"STAFF_PUBLIC_URL": "https://console.office.example"})
    create_staff(env)
    server = start_staff_web_app(env, tmp_path / "logs")
    try:
        form = requests.get(server.url + "/staff/login", timeout=10)
        assert "Secure" in form.headers["Set-Cookie"]  # the sign-in form's own cookie too
        token = re.search(r'name="login_token" value="([^"]+)"', form.text).group(1)
        # A browser sends a Secure cookie back only over HTTPS; the test sends it over plain HTTP.
        response = requests.post(server.url + "/staff/login", cookies=form.cookies.get_dict(), timeout=10,
                                 allow_redirects=False, data={"login_token": token, "username": COUNSELOR[0],
                                                              "password": COUNSELOR[2]})
        assert response.status_code == 303
        session_cookie = response.headers["Set-Cookie"].split(", staff_login")[0]
        assert "staff_session=" in session_cookie and "Secure" in session_cookie
        for path in ("/", "/staff/login"):
            headers = requests.get(server.url + path, timeout=10).headers
            assert headers["Strict-Transport-Security"] == "max-age=31536000", path
            assert headers["X-Frame-Options"] == "DENY", path
    finally:
        server.stop()


def test_wrong_password_is_refused_with_a_clear_message(console):
    base_url, _ = console
    response = StaffClient(base_url).login(ADMIN[0], "not-the-password")
    assert response.status_code == 401
    assert "username and password do not match" in response.text
    assert "staff_session" not in response.headers.get("Set-Cookie", "")


def test_sign_out_ends_the_session_on_the_server(console):
    base_url, _ = console
    client = signed_in(base_url)
    stolen_cookie = client.http.cookies.get("staff_session")
    response = client.post("/staff/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/login"
    replay = StaffClient(base_url)
    replay.http.cookies.set("staff_session", stolen_cookie)
    assert replay.get("/staff/queue").status_code == 302


def test_idle_session_expires(console):
    base_url, data_dir = console
    client = signed_in(base_url)
    assert client.get("/staff/queue").status_code == 200
    engine = sa.create_engine(sqlite_url(data_dir))
    with engine.begin() as connection:  # nine hours without a request
        connection.execute(sa.text("UPDATE console_sessions SET last_seen = last_seen - 9 * 3600"))
    engine.dispose()
    response = client.get("/staff/queue")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_counselor_cannot_use_admin_pages(console):
    base_url, _ = console
    counselor = signed_in(base_url, COUNSELOR)
    for path in ("/staff/audit", "/staff/requests", f"/staff/requests?sender_id={SENDER}"):
        response = counselor.get(path)
        assert response.status_code == 403, path
        assert "for admins" in response.text
    for path, data in (("/staff/conversation/reveal", {"sender_id": SENDER, "reason": "checking a callback"}),
                       ("/staff/requests/export", {"sender_id": SENDER}),
                       ("/staff/requests/delete", {"sender_id": SENDER, "confirm_sender_id": SENDER})):
        response = counselor.post(path, data=data)
        assert response.status_code == 403, path
    # Still there, still redacted for the counselor.
    transcript = counselor.get(f"/staff/conversation?id={SENDER}")
    assert transcript.status_code == 200
    events = timeline(transcript.text)
    assert "sam@example.com" not in events and "[email]" in events
    assert "Reveal details" not in transcript.text


def test_contact_left_for_a_call_back_is_shown_only_in_the_opened_case(console):
    base_url, _ = console
    for account in (COUNSELOR, ADMIN):
        client = signed_in(base_url, account)
        queue = client.get("/staff/queue").text
        live = client.get("/staff/queue/live?list=outdated").json()["html"]  # what open queue pages receive
        for shown in (queue, live):
            assert "sam@example.com" not in shown and "E-mail address left" in shown
    opened = signed_in(base_url, COUNSELOR).get(f"/staff/conversation?id={SENDER}").text
    assert "sam@example.com" in opened


def test_admin_can_use_admin_pages(console):
    base_url, _ = console
    admin = signed_in(base_url, ADMIN)
    assert admin.get("/staff/audit").status_code == 200
    page = admin.get(f"/staff/requests?sender_id={SENDER}")
    assert page.status_code == 200 and "Delete everything about this sender" in page.text
    assert "Reveal details" in admin.get(f"/staff/conversation?id={SENDER}").text


def test_state_changing_requests_need_the_session_csrf_token(console):
    base_url, _ = console
    client = signed_in(base_url)
    note = {"sender_id": SENDER, "body": "called back, left a voicemail"}
    for token in (None, "", "forged-token", "jeton-falsifié-ü"):
        data = dict(note) if token is None else dict(note, csrf_token=token)
        response = client.post("/staff/conversation/notes", data=data, csrf=False)
        assert response.status_code == 403, token
        assert "Form expired" in response.text
    assert "left a voicemail" not in client.get(f"/staff/conversation?id={SENDER}").text
    # Another user's token does not work either.
    other_token = signed_in(base_url, ADMIN).csrf_token()
    assert client.post("/staff/conversation/notes", data=dict(note, csrf_token=other_token),
                       csrf=False).status_code == 403
    assert client.post("/staff/logout", csrf=False).status_code == 403
    saved = client.post("/staff/conversation/notes", data=note)
    assert saved.status_code == 303
    assert "left a voicemail" in client.get(f"/staff/conversation?id={SENDER}").text


def test_sign_in_form_needs_its_own_token(console):
    base_url, _ = console
    client = StaffClient(base_url)
    for token in ({}, {"login_token": "ü-not-the-token"}):
        response = client.http.post(base_url + "/staff/login", allow_redirects=False,
                                    data={"username": COUNSELOR[0], "password": COUNSELOR[2], **token})
        assert response.status_code == 403
        assert "The sign-in form expired" in response.text
        assert "staff_session" not in response.headers.get("Set-Cookie", "")


def test_repeated_failed_sign_ins_are_throttled(console):
    base_url, _ = console
    client = StaffClient(base_url)
    for _ in range(5):
        assert client.login(ADMIN[0], "wrong-password-guess").status_code == 401
    blocked = client.login(ADMIN[0], ADMIN[2])  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.text and "15 minutes" in blocked.text
    # Other accounts are not locked out by someone guessing this one's password.
    assert StaffClient(base_url).login(COUNSELOR[0], COUNSELOR[2]).status_code == 303


def test_sign_in_redirects_only_inside_the_console(console):
    base_url, _ = console
    client = StaffClient(base_url)
    form = client.get("/staff/login?next=https://evil.example/steal")
    assert "evil.example" not in form.text
    token = re.search(r'name="login_token" value="([^"]+)"', form.text).group(1)
    response = client.http.post(base_url + "/staff/login", allow_redirects=False,
                                data={"login_token": token, "username": COUNSELOR[0], "password": COUNSELOR[2],
                                      "next": "//evil.example/"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/queue"


def _cli(data_dir, *args, password=None) -> str:
    result = run_console_cli(console_env(data_dir), *args, password=password)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_account_changes_from_the_command_line_are_in_the_audit_log(console):
    base_url, data_dir = console
    _cli(data_dir, "user", "morgan", "--role", "counselor", password="morgan-password-1")
    _cli(data_dir, "user", "morgan", "--role", "admin", password="morgan-password-2")  # role and password
    _cli(data_dir, "user", "morgan", "--role", "admin", password="morgan-password-3")  # password only
    admin = signed_in(base_url, ("morgan", "admin", "morgan-password-3"))
    created = [row for row in audit_rows(admin, "create_user") if row[1] == "morgan"]
    assert len(created) == 1 and created[0][0].startswith("cli:") and "counselor" in created[0][2]
    assert len([row for row in audit_rows(admin, "reset_password") if row[1] == "morgan"]) == 2
    [role_change] = [row for row in audit_rows(admin, "change_role") if row[1] == "morgan"]
    assert role_change[0].startswith("cli:")
    assert re.search(r"from:</span> counselor.*to:</span> admin", role_change[2], re.S), role_change


def test_disabled_and_deleted_accounts_cannot_sign_in_and_their_sessions_end(console):
    base_url, data_dir = console
    riley, sky = ("riley", "counselor", "riley-password-1"), ("sky", "counselor", "sky-password-12")
    for username, role, password in (riley, sky):
        _cli(data_dir, "user", username, "--role", role, password=password)
    signed_in_riley = signed_in(base_url, riley)
    assert "is now disabled" in _cli(data_dir, "disable", "riley")
    refused = signed_in_riley.get("/staff/queue")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/staff/login")
    assert StaffClient(base_url).login(riley[0], riley[2]).status_code == 401
    assert "is now enabled" in _cli(data_dir, "enable", "riley")
    signed_in_riley = signed_in(base_url, riley)
    # A session the account still has when it is disabled (one that began just as the command
    # ran) is refused at its next request all the same.
    engine = sa.create_engine(sqlite_url(data_dir))
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE console_users SET disabled_at = 1 WHERE username = 'riley'"))
    assert signed_in_riley.get("/staff/queue").status_code == 302
    signed_in_sky = signed_in(base_url, sky)
    assert "Deleted account 'sky'" in _cli(data_dir, "delete", "sky")
    assert signed_in_sky.get("/staff/queue").status_code == 302
    assert StaffClient(base_url).login(sky[0], sky[2]).status_code == 401
    unknown = run_console_cli(console_env(data_dir), "disable", "nobody")
    assert unknown.returncode == 2 and "There is no account named 'nobody'" in unknown.stderr
    with engine.begin() as connection:
        logged = connection.execute(sa.text(
            "SELECT action, target FROM console_audit WHERE action IN ('disable_user', 'enable_user', "
            "'delete_user') ORDER BY id")).fetchall()
        refused = connection.execute(sa.text(
            "SELECT target, detail FROM console_audit WHERE action = 'login_failed' AND target = 'riley'"
        )).fetchall()
    engine.dispose()
    assert [tuple(row) for row in logged] == [("disable_user", "riley"), ("enable_user", "riley"),
                                              ("delete_user", "sky")]
    # The visitor was told no more than for a wrong password; admins read why.
    assert [tuple(row) for row in refused] == [("riley", '{"reason": "account disabled"}')]


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "Password12"])
def test_common_passwords_are_refused_whatever_their_length(console, password):
    _, data_dir = console
    result = run_console_cli(console_env(data_dir), "user", "jamie", "--role", "counselor", password=password)
    assert result.returncode == 2 and "list of common passwords" in result.stderr
    engine = sa.create_engine(sqlite_url(data_dir))
    with engine.begin() as connection:
        assert connection.execute(sa.text(
            "SELECT COUNT(*) FROM console_users WHERE username = 'jamie'")).scalar() == 0
    engine.dispose()
