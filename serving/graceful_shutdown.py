"""A Rasa instance that is stopping closes each connection after the reply it is sending.

Sanic 21.12 goes on serving requests on open keep-alive connections while it drains for
GRACEFUL_SHUTDOWN_TIMEOUT (15 s), then aborts whatever is still open. nginx keeps its connections
to the instances open and reuses them, so an instance stopped under load never drained: when the
15 s were up it cut off a turn it had already saved, nginx passed the message on to the next
instance (a message that failed is handed to the next one: deploy/nginx.conf.template), and the
message was handled twice (seen in tests/test_resilience.py: one more user message stored than
the client was answered). Here, from the moment the instance starts to stop, every reply says
`Connection: close`: each connection closes after the turn it is handling, nginx opens its next
connections to the other instances, and the drain ends as soon as the turns in progress are done.
"""
from __future__ import annotations

import rasa.core.run
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

_rasa_configure_app = rasa.core.run.configure_app


def _configure_app(*args, **kwargs) -> Sanic:
    app = _rasa_configure_app(*args, **kwargs)
    app.ctx.stopping = False

    async def start_stopping(app: Sanic, _loop) -> None:
        app.ctx.stopping = True

    async def close_after_reply(request: Request, _response: HTTPResponse) -> None:
        if request.app.ctx.stopping and request.stream is not None:
            request.stream.keep_alive = False  # Sanic then answers `Connection: close`

    app.register_listener(start_stopping, "before_server_stop")
    app.register_middleware(close_after_reply, "response")
    return app


def install() -> None:
    # `serve_application` looks the name up in its module when the server starts.
    rasa.core.run.configure_app = _configure_app
