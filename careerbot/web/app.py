"""One small Sanic app serves the chat widget (assets, demo page) and the staff console."""
from __future__ import annotations

from typing import Optional

from sanic import Sanic

from careerbot.settings import AlertSettings, alert_settings
from careerbot.web import staff, widget
from careerbot.web.security import add_security_headers

# Requests larger than this are refused with 413 before any handler runs.
MAX_REQUEST_BYTES = 1_000_000


def create_app(name: str = "careerbot_web", alerts: Optional[AlertSettings] = None) -> Sanic:
    """The app; crisis alert settings come from the environment unless given."""
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.ctx.alert_settings = alerts if alerts is not None else alert_settings()
    app.blueprint(widget.blueprint)
    app.blueprint(staff.blueprint)
    add_security_headers(app)
    return app
