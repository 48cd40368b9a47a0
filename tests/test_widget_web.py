"""The web app serves the chat widget and a demo page that embeds it with the documented snippet."""
from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request

import pytest

from careerbot.settings import PROJECT_ROOT
from careerbot.web.widget import SOCKETIO_CLIENT_SHA256, SOCKETIO_CLIENT_VERSION
from tests.support.servers import base_env, start_web_app

RASA_PUBLIC_URL = "https://chat.office.example:8443"


@pytest.fixture(scope="module")
def web_app(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("web")
    server = start_web_app(base_env(work_dir / "var", {"RASA_PUBLIC_URL": RASA_PUBLIC_URL}),
                           work_dir / "logs")
    yield server
    server.stop()


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read().decode()


def test_demo_page_embeds_the_widget_with_the_configured_rasa_server(web_app):
    status, headers, html = fetch(web_app.url + "/")
    assert status == 200
    assert f'<script src="{web_app.url}/static/widget/careerchat.js" defer></script>' in html
    config_json = re.search(
        r'<script type="application/json" id="careerchat-config">(.*?)</script>', html, re.S)
    config = json.loads(config_json.group(1))
    assert config["serverUrl"] == RASA_PUBLIC_URL
    assert config["title"] and config["openingMessage"]
    assert set(config["colors"]) == {"primary", "userMessage", "botMessage"}


def test_demo_page_may_connect_only_to_itself_and_the_rasa_server_and_cannot_be_framed(web_app):
    _, headers, _ = fetch(web_app.url + "/")
    policy = dict(directive.strip().split(" ", 1)
                  for directive in headers["Content-Security-Policy"].split(";"))
    assert policy["connect-src"].split() == ["'self'", RASA_PUBLIC_URL, "wss://chat.office.example:8443"]
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_widget_assets_are_served_with_their_content_types(web_app):
    for path, content_type in (("/static/widget/careerchat.js", "text/javascript"),
                               ("/static/widget/careerchat.css", "text/css")):
        status, headers, body = fetch(web_app.url + path)
        assert status == 200 and headers["Content-Type"].startswith(content_type), path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert body.strip()


def test_socketio_client_is_the_vendored_file_of_the_version_pinned_in_package_json(web_app):
    pinned = json.loads((PROJECT_ROOT / "package.json").read_text())["dependencies"]["socket.io-client"]
    with urllib.request.urlopen(web_app.url + "/static/widget/vendor/socket.io.min.js",
                                timeout=10) as answer:
        status, headers, body = answer.status, answer.headers, answer.read()
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert SOCKETIO_CLIENT_VERSION == pinned
    assert f"Socket.IO v{pinned}".encode() in body[:200]
    # The recorded hash is that of npm's file: a changed byte means it is not upstream's any more.
    assert hashlib.sha256(body).hexdigest() == SOCKETIO_CLIENT_SHA256


def test_files_outside_the_static_folder_are_not_served(web_app):
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(web_app.url + "/static/..%2fwidget.py")
    assert refused.value.code == 404
