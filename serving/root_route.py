"""The Rasa server's `GET /` says that it is running, and not which Rasa it is.

Rasa 3.6 answers "Hello from Rasa: 3.6.21" to anyone, with or without the HTTP API: the exact
version tells whoever asks which published vulnerabilities to try. Health checks (`make run`,
the tests, a load balancer) only need an answer.

Both of Rasa 3.6's apps, with the API (`rasa.server.create_app`) and without it
(`rasa.core.run._create_app_without_api`), add that route with `rasa.server.add_root_route`, looked
up when the app is made; tests/test_serving.py holds Rasa to that. Another Rasa may add the route
elsewhere, and the version would show again unnoticed: `install` refuses any Rasa but the one this
was written for.
"""
from __future__ import annotations

import rasa
import rasa.server
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

WRITTEN_FOR_RASA = "3.6."
ANSWER = "Rasa server is running"


def add_root_route(app: Sanic) -> None:
    @app.get("/")
    async def hello(_request: Request) -> HTTPResponse:
        return response.text(ANSWER)


def install() -> None:
    if not rasa.__version__.startswith(WRITTEN_FOR_RASA):
        raise RuntimeError(f"serving/root_route.py was written for Rasa {WRITTEN_FOR_RASA}x, not "
                           f"{rasa.__version__}: check that GET / still goes through "
                           "rasa.server.add_root_route, then update WRITTEN_FOR_RASA")
    rasa.server.add_root_route = add_root_route
