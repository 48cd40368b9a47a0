"""Security headers for every response of the web app, and what it believes about where a request
came from.

Pages are served with a strict Content-Security-Policy: scripts, styles and images only from this
app, no inline script, and `frame-ancestors 'none'` so that no other site can frame them
(clickjacking). A route that needs more (the demo page talks to the Rasa server) sets its own
policy built with `content_security_policy`; headers a route sets are never overwritten.
Responses to requests that came over HTTPS also ask browsers to use nothing else (HSTS).

The client's address is the socket's, unless the socket is a trusted proxy's (TRUSTED_PROXIES:
nginx in the production profile), which names the client in X-Real-IP.
"""
from __future__ import annotations

from typing import Iterable

from sanic import Request, Sanic

# A year; not includeSubDomains: other hosts of the office's domain may not have HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


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
    # frame-ancestors for browsers that predate it.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Links in the chat lead to other sites: they need not learn which page the person was on.
    "Referrer-Policy": "no-referrer",
}


def is_https(request: Request) -> bool:
    """Whether the browser's connection is HTTPS: always when staff reach the app at an https://
    STAFF_PUBLIC_URL; otherwise when a TLS-terminating proxy in front says so. That header is
    believed from anyone: claiming HTTPS over plain HTTP only gets the claimant a Secure cookie
    its browser will not send back, and an HSTS header browsers ignore over HTTP."""
    if request.app.ctx.web_settings.https_only:
        return True
    forwarded_proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded_proto == "https" or request.scheme == "https"


def client_address(request: Request) -> str:
    """The address the request came from (request.remote_addr is Sanic's reading of X-Real-IP,
    which create_app turns on when there are trusted proxies)."""
    if request.remote_addr and request.app.ctx.web_settings.is_trusted_proxy(request.ip):
        return request.remote_addr
    return request.ip or "unknown"


def add_security_headers(app: Sanic) -> None:
    @app.on_response
    async def set_security_headers(request, response):
        headers = dict(DEFAULT_HEADERS)
        if is_https(request):
            headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
        for name, value in headers.items():
            if name not in response.headers:
                response.headers[name] = value
