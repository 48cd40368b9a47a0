"""The chat widget's assets and the demo page that embeds it.

The widget is plain JavaScript served as it is (no build step): the loader
static/widget/careerchat.js, its stylesheet, and socket.io-client's prebuilt browser file,
vendored in static/widget/vendor/ so that running the assistant needs no Node.js.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, Request, response

from careerbot.web.security import content_security_policy

WEB_DIR = Path(__file__).resolve().parent
# static/widget/vendor/socket.io.min.js is socket.io-client's dist/socket.io.min.js, byte for byte
# as npm ships the version pinned in package.json and package-lock.json, so that its hash can be
# compared with the package's file. To update: `npm ci --ignore-scripts`, copy
# node_modules/socket.io-client/dist/socket.io.min.js there and set both values below;
# tests/test_widget_web.py checks the served file against them.
SOCKETIO_CLIENT_VERSION = "4.8.1"
SOCKETIO_CLIENT_SHA256 = "b0e735814f8dcfecd6cdb8a7ce95a297a7e1e5f2727a29e6f5901801d52fa0c5"

# What the demo page shows; an office sets its own in the snippet on its site (docs/widget.md).
# No "language": the widget starts in the visitor's browser language, then follows the
# conversation's; the texts it shows itself are given in both languages.
DEMO_WIDGET_CONFIG = {
    "title": {"en": "Career help", "es": "Ayuda con tu carrera"},
    "colors": {"primary": "#1d4e89", "userMessage": "#1d4e89", "botMessage": "#eef2f7"},
    "openingMessage": {
        "en": ("Hi! I can explain how a job differs from a career, help you plan your next steps "
               "and find local help. What would you like to know?"),
        "es": ("¡Hola! Puedo explicarte en qué se diferencia un trabajo de una carrera, ayudarte a "
               "planear tus próximos pasos y buscar ayuda cerca de ti. ¿Qué te gustaría saber?"),
    },
}

templates = Environment(loader=FileSystemLoader(WEB_DIR / "templates"),
                        autoescape=select_autoescape(["html"]))
# The snippet the demo page shows keeps "¡Hola!" readable for copying, not "\u00a1Hola!"; `tojson`
# still escapes what could end the <script> element (<, >, &, ').
templates.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}

blueprint = Blueprint("widget")
# Serves SOCKETIO_CLIENT too, where the loader looks for it: next to itself, in vendor/.
blueprint.static("/static", str(WEB_DIR / "static"), name="assets")


def rasa_public_url() -> str:
    """The Rasa server's URL as browsers reach it (RASA_PUBLIC_URL), for the demo page."""
    return (os.environ.get("RASA_PUBLIC_URL") or "http://localhost:5005").rstrip("/")


def websocket_origin(url: str) -> str:
    """ws(s):// origin of an http(s):// URL: the widget's socket.io client upgrades to it."""
    parts = urlsplit(url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


@blueprint.get("/")
async def demo_page(request: Request):
    server_url = rasa_public_url()
    # Absolute, so that the snippet the page shows can be pasted into another site as it is.
    script_url = f"{request.scheme}://{request.host}/static/widget/careerchat.js"
    html = templates.get_template("demo.html").render(
        config={"serverUrl": server_url, **DEMO_WIDGET_CONFIG}, script_url=script_url)
    csp = content_security_policy(connect_sources=[server_url, websocket_origin(server_url)])
    return response.html(html, headers={"Content-Security-Policy": csp})
