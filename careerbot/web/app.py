"""One small Sanic app serves the chat widget (assets, demo page) and the staff console."""
from __future__ import annotations

from typing import Optional

from sanic import Sanic

from careerbot.settings import (MAX_REQUEST_BYTES, AlertSettings, WebSettings, alert_settings,
                                web_settings)
from careerbot.web import staff, widget
from careerbot.web.security import add_security_headers

def create_app(name: str = "careerbot_web", alerts: Optional[AlertSettings] = None,
               web: Optional[WebSettings] = None) -> Sanic:
    """The app; crisis alert and web settings come from the environment unless given."""
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.ctx.alert_settings = alerts if alerts is not None else alert_settings()
    app.ctx.web_settings = web if web is not None else web_settings()
    if app.ctx.web_settings.trusted_proxies:
        # nginx's X-Real-IP (else the last X-Forwarded-For entry) becomes request.remote_addr;
        # Sanic reads it from any peer, so client_address uses it only from a trusted proxy.
        app.config.REAL_IP_HEADER = "x-real-ip"
        app.config.PROXIES_COUNT = 1
    app.blueprint(widget.blueprint)
    app.blueprint(staff.blueprint)
    add_security_headers(app)
    return app
