"""One small Sanic app serves the chat widget (assets, demo page) and the staff console."""
from __future__ import annotations

from sanic import Sanic

from careerbot.web import staff, widget
from careerbot.web.security import add_security_headers

# Requests larger than this are refused with 413 before any handler runs.
MAX_REQUEST_BYTES = 1_000_000


def create_app(name: str = "careerbot_web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.blueprint(widget.blueprint)
    app.blueprint(staff.blueprint)
    add_security_headers(app)
    return app
