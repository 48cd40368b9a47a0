"""The chat widget's assets and the demo page that embeds it.

The widget is plain JavaScript served as it is (no build step): the loader
static/widget/careerchat.js, its stylesheet, and socket.io-client's prebuilt browser file, which
comes from npm (package.json; `npm ci` puts it under node_modules/).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, Request, response

from careerbot.settings import PROJECT_ROOT
from careerbot.web.security import content_security_policy

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
SOCKETIO_CLIENT = PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

# What the demo page shows; an office sets its own in the snippet on its site (docs/widget.md).
DEMO_WIDGET_CONFIG = {
    "title": "Career help",
    "colors": {"primary": "#1d4e89", "userMessage": "#1d4e89", "botMessage": "#eef2f7"},
    "openingMessage": ("Hi! I can explain how a job differs from a career, help you plan your "
                       "next steps and find local help. What would you like to know?"),
}

templates = Environment(loader=FileSystemLoader(WEB_DIR / "templates"),
                        autoescape=select_autoescape(["html"]))

blueprint = Blueprint("widget")
blueprint.static("/static", str(WEB_DIR / "static"), name="assets")
# The loader finds this next to itself (static/widget/careerchat.js).
blueprint.static("/static/widget/vendor/socket.io.min.js", str(SOCKETIO_CLIENT), name="socketio_client")

if not SOCKETIO_CLIENT.exists():
    logger.warning("The widget's socket.io client is missing: run `npm ci` in %s.", PROJECT_ROOT)


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
