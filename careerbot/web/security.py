"""Security headers for every response of the web app.

Pages are served with a strict Content-Security-Policy: scripts, styles and images only from this
app, no inline script, and `frame-ancestors 'none'` so that no other site can frame them
(clickjacking). A route that needs more (the demo page talks to the Rasa server) sets its own
policy built with `content_security_policy`; headers a route sets are never overwritten.
"""
from __future__ import annotations

from typing import Iterable

from sanic import Sanic


def content_security_policy(connect_sources: Iterable[str] = ()) -> str:
    """The app's policy; `connect_sources` are extra origins scripts may connect to."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", *connect_sources],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


DEFAULT_HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    # Links in the chat lead to other sites: they need not learn which page the person was on.
    "Referrer-Policy": "no-referrer",
}


def add_security_headers(app: Sanic) -> None:
    @app.on_response
    async def set_security_headers(_request, response):
        for name, value in DEFAULT_HEADERS.items():
            if name not in response.headers:
                response.headers[name] = value
