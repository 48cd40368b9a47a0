"""What an office gets without configuring anything security-related, checked on running servers."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from careerbot.runtime import action_server_command, build_endpoints, rasa_server_command, server_env
from careerbot.settings import PROJECT_ROOT

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
