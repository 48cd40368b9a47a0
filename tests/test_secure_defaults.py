"""What an office gets without configuring anything security-related, checked on running servers."""
from __future__ import annotations

import stat
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from careerbot.console.accounts import MAX_FAILURES
from careerbot.runtime import action_server_command, build_endpoints, rasa_server_command, server_env
from careerbot.settings import PROJECT_ROOT
from tests.support.staff import (ADMIN, COUNSELOR, StaffClient, console_env, create_staff, run_console_cli,
                                 sign_ins_at_once)

EVIL_ORIGIN = "https://evil.example.net"


def process_environment(server) -> dict:
    raw = Path(f"/proc/{server.process.pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


def listening_addresses(port: int) -> set:
    """The local addresses of the listening TCP sockets on `port` (as /proc/net/tcp writes them:
    127.0.0.1 is 0100007F, every interface 00000000)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_action_servers_listen_on_loopback_only(assistant, production):
    assert action_server_command("python", 5055)[-2:] == ["--interface", "127.0.0.1"]
    action_servers = [assistant.actions] + [server for name, server in production.servers.items()
                                            if name.startswith("action")]
    assert len(action_servers) > 1
    for server in action_servers:
        assert listening_addresses(urlsplit(server.url).port) == {"0100007F"}, server.name


def test_rasa_http_api_is_off_unless_a_token_is_set(production):
    command = rasa_server_command("python", 5005, Path("e.yml"), Path("c.yml"), {})
    assert "--enable-api" not in command
    assert rasa_server_command("python", 5005, Path("e.yml"), Path("c.yml"),
                               {"RASA_AUTH_TOKEN": "t"})[-3:] == ["--enable-api", "--auth-token", "t"]
    for url in production.rasa_urls + [production.public_url]:
        for path in ("/status", "/conversations/someone/tracker", "/model/parse"):
            assert requests.get(url + path, timeout=10).status_code == 404, (url, path)


def test_when_on_the_http_api_refuses_requests_without_the_token(assistant):
    assert requests.get(f"{assistant.url}/status", timeout=10).status_code == 401
    assert requests.get(f"{assistant.url}/conversations/x/tracker?token=wrong",
                        timeout=10).status_code == 401
    assert requests.get(f"{assistant.url}/status?token={assistant.auth_token}",
                        timeout=10).status_code == 200


def test_models_are_only_loaded_from_the_local_models_folder(production):
    for env in ({}, {"DATABASE_URL": "postgresql://x@h/db", "REDIS_URL": "redis://h"}):
        assert "models" not in build_endpoints(env)
    assert "models" not in yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    for name, command in production.commands.items():
        assert "--remote-storage" not in command, name
        if name.startswith("Rasa"):
            assert command[command.index("--model") + 1] == "models"


def test_telemetry_is_off_in_every_server_process(production):
    assert server_env({})["RASA_TELEMETRY_ENABLED"] == "false"
    for name, server in production.servers.items():
        if name != "nginx":
            assert process_environment(server)["RASA_TELEMETRY_ENABLED"] == "false", name


def test_cross_origin_requests_only_from_the_configured_origins(production):
    webhook = f"{production.public_url}/webhooks/rest/webhook"
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    refused = requests.options(webhook, headers={"Origin": EVIL_ORIGIN, **preflight}, timeout=10)
    assert "Access-Control-Allow-Origin" not in refused.headers
    allowed = requests.options(webhook, headers={"Origin": production.public_url, **preflight},
                               timeout=10)
    assert allowed.headers.get("Access-Control-Allow-Origin") == production.public_url
    handshake = f"{production.public_url}/socket.io/?EIO=4&transport=polling"
    assert requests.get(handshake, headers={"Origin": EVIL_ORIGIN}, timeout=10).status_code == 400
    assert requests.get(handshake, headers={"Origin": production.public_url},
                        timeout=10).status_code == 200


@pytest.mark.parametrize("path", ["/", "/staff/login"])
def test_web_pages_carry_security_headers(production, path):
    headers = requests.get(production.public_url + path, timeout=10).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # plain HTTP, as browsers ignore it over HTTP
    assert "default-src" in headers["Content-Security-Policy"]
    assert "Server" not in headers or "nginx/" not in headers["Server"]  # no version on show


def test_request_bodies_over_one_megabyte_are_refused(production):
    body = b'{"sender": "big", "message": "' + b"x" * (1024 * 1024) + b'"}'
    for url in (production.public_url, production.rasa_urls[0]):
        response = requests.post(f"{url}/webhooks/rest/webhook", data=body, timeout=30,
                                 headers={"Content-Type": "application/json"})
        assert response.status_code == 413, url


def test_database_and_redis_passwords_stay_out_of_files_and_logs(production):
    written = "".join(path.read_text() for path in production.log_dir.parent.rglob("*.yml"))
    assert "${DATABASE_URL}" in written and "${REDIS_URL}" in written
    logs = "".join(path.read_text(errors="replace") for path in production.log_dir.glob("*.log"))
    for secret in (production.postgres.PASSWORD, production.redis.PASSWORD):
        assert secret not in written and secret not in logs


def modes(folder: Path) -> dict:
    """Every file and folder under `folder` (itself included) and its permission bits."""
    return {str(path.relative_to(folder.parent)): stat.S_IMODE(path.stat().st_mode)
            for path in [folder, *folder.rglob("*")]}


def test_runtime_data_is_readable_by_its_user_only(assistant, chat, tmp_path):
    # Conversations (the Rasa server's SQLite file and write-ahead log) and the directory, in a
    # data folder the directory import made; every server was started with umask 022.
    chat("find a job center near 62704")
    found = modes(assistant.data_dir)
    assert {"var/conversations.db", "var/conversations.db-wal", "var/directory.db"} <= set(found), found
    # Staff password hashes, in a data folder the console's command line makes.
    fresh = tmp_path / "new" / "var"
    username, role, password = COUNSELOR
    created = run_console_cli(console_env(fresh), "user", username, "--role", role, password=password)
    assert created.returncode == 0, created.stderr
    found.update(modes(fresh))
    assert "var/conversations.db" in modes(fresh)
    for path, mode in found.items():
        assert mode == (0o700 if path == "var" else 0o600), (path, oct(mode))


def test_the_rasa_server_does_not_say_which_version_it_is(assistant):
    answer = requests.get(assistant.url + "/", timeout=10)
    assert answer.status_code == 200 and answer.text == "Rasa server is running"
    assert "Server" not in answer.headers or "3.6" not in answer.headers["Server"]


def test_every_rasa_instance_and_action_server_shares_one_token_the_actions_need(production):
    tokens = {name: process_environment(server)["ACTION_SERVER_TOKEN"]
              for name, server in production.servers.items() if name.split()[0] in ("Rasa", "action")}
    assert len(tokens) == 4 and len(set(tokens.values())) == 1, tokens
    # Through nginx's action server port (ACTION_SERVER_URL), only with the token.
    webhook = production.env["ACTION_SERVER_URL"]
    assert requests.post(webhook, json={"next_action": "action_explain_difference"},
                         timeout=10).status_code == 401
    assert requests.get(webhook.replace("/webhook", "/actions"), timeout=10,
                        headers={"Authorization": f"Bearer {production.env['ACTION_SERVER_TOKEN']}"}
                        ).status_code == 200
    replies = requests.post(f"{production.public_url}/webhooks/rest/webhook", timeout=60,
                            headers=production.rest_headers,
                            json={"sender": "token-check", "message": "find a job center near 62704"}).json()
    assert any("Sample Prairie Workforce Center" in (r.get("text") or "") for r in replies), replies


@pytest.fixture(scope="module")
def staff_accounts(production):
    """The test staff accounts in the production topology's database."""
    create_staff(production.env)


def test_behind_a_tls_proxy_the_session_cookie_is_secure_and_https_required(production, staff_accounts):
    # The TLS proxy in front of nginx's public port is on this machine, and says so in X-Forwarded-Proto.
    for proto, secure in (("https", True), (None, False)):
        headers = {"X-Forwarded-Proto": proto} if proto else {}
        response = StaffClient(production.public_url).login(COUNSELOR[0], COUNSELOR[2], headers=headers)
        assert response.status_code == 303
        session_cookie = response.headers["Set-Cookie"].split(", staff_login")[0]
        assert "staff_session=" in session_cookie and ("Secure" in session_cookie) == secure, proto
        assert ("Strict-Transport-Security" in response.headers) == secure, proto


def test_sign_in_throttle_counts_each_client_at_its_own_address_through_nginx(production, staff_accounts):
    # Each client connects from its own loopback address; nginx sends it on in X-Real-IP.
    statuses = sign_ins_at_once(production.public_url, ADMIN[0], "wrong-password-guess", 15,
                                address="127.0.0.51")
    assert Counter(statuses) == {401: MAX_FAILURES, 429: 15 - MAX_FAILURES}
    attacker = StaffClient(production.public_url, "127.0.0.51")
    for n in range(60, 65):  # what the client says about its address is not believed
        forged = {"X-Real-IP": f"127.0.0.{n}", "X-Forwarded-For": f"127.0.0.{n}"}
        assert attacker.login(ADMIN[0], ADMIN[2], headers=forged).status_code == 429
    # A colleague elsewhere signs in to the same account.
    assert StaffClient(production.public_url, "127.0.0.52").login(ADMIN[0], ADMIN[2]).status_code == 303
    # Nor by the web app reached past nginx.
    direct = StaffClient(production.servers["web app"].url, "127.0.0.53")
    for n in range(70, 70 + MAX_FAILURES):
        forged = {"X-Real-IP": f"127.0.0.{n}", "X-Forwarded-For": f"127.0.0.{n}"}
        assert direct.login(COUNSELOR[0], "wrong-password-guess", headers=forged).status_code == 401
    assert direct.login(COUNSELOR[0], COUNSELOR[2], headers={"X-Real-IP": "127.0.0.99"}).status_code == 429
    # The TLS proxy in front of nginx, on this machine, names its clients in X-Forwarded-For.
    tls_proxy = StaffClient(production.public_url)
    assert tls_proxy.login(COUNSELOR[0], "wrong-password-guess",
                           headers={"X-Forwarded-For": "127.0.0.54"}).status_code == 401
    # Each failure that reached the password check is in the audit log, under the client's address.
    counted = Counter(actor for (actor,) in production.postgres.query(
        "SELECT actor FROM console_audit WHERE action = 'login_failed'"))
    assert [counted[f"ip:127.0.0.{n}"] for n in (51, 53, 54)] == [MAX_FAILURES, MAX_FAILURES, 1], counted
