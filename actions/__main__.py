"""`python -m actions --port 5055 [--interface 127.0.0.1]`: rasa-sdk's action server for these
actions, without TensorFlow, on loopback unless told otherwise.

rasa-sdk listens on every interface (its SANIC_HOST defaults to 0.0.0.0), and the actions answer
whoever calls them, with a tracker of the caller's making: only the Rasa server should. The Docker
set-up passes `--interface 0.0.0.0`, as its services reach each other over the compose network.

spaCy's machine-learning library, thinc, imports TensorFlow when it is installed (it is, for the
Rasa server) only to learn that it could use it. The actions use spaCy for rules alone, so in
the action server that import was pure cost: 7 of its 10 seconds to start and about 500 MB of
its memory. Marking the module as absent makes thinc's `import tensorflow` fail as it expects
when TensorFlow is not installed.

Only the Rasa server calls the action server, never a browser, so it answers no cross-origin
requests: rasa-sdk sets up CORS for every origin ("*") unless told otherwise, and its middleware
ran on every response. Sanic's access-log records are not built either (rasa-sdk filters them
out by level, after Sanic has assembled each one). Together they were about a twentieth of the
action server's time per call (py-spy, a referral search called 1,267 times). A request with the
wrong method or path gets its 405 or 404 with the reason, where rasa-sdk's catch-all handler
answered 500 and logged a traceback.

It runs actions only for the Rasa server: every request but /health must carry the shared
token, ACTION_SERVER_TOKEN, as `Authorization: Bearer …` (careerbot/runtime.py has the Rasa server
send it); any other gets 401, and nothing is run, whatever its method or path (Sanic runs request
middleware for a 404 or 405 too). Without the variable the server does not start.

The index of US places is built before the server answers /health, so that the first person who
asks for local help after a start does not wait the three seconds it takes. It and the libraries
(about 370,000 objects) are then frozen out of the garbage collector's passes: a full collection
walked them all, 246 ms during which no action call was answered (serving/garbage_collection.py
does the same for the Rasa server's model).
"""
import argparse
import functools
import gc
import os
import sys
from typing import Optional

sys.modules["tensorflow"] = None  # type: ignore[assignment]

import rasa_sdk.endpoint  # noqa: E402
from rasa_sdk.__main__ import main_from_args  # noqa: E402
from rasa_sdk.endpoint import create_argument_parser  # noqa: E402
from sanic import Sanic, response  # noqa: E402
from sanic.exceptions import SanicException  # noqa: E402

from careerbot import places  # noqa: E402
from careerbot.settings import SettingsError, action_server_token, carries_bearer_token  # noqa: E402

_create_rasa_sdk_app = rasa_sdk.endpoint.create_app


async def _refused(request, exception: SanicException) -> response.HTTPResponse:
    return response.json({"error": str(exception)}, status=exception.status_code)


# Health checks (make run's, nginx's, a container engine's) learn only that the server is up.
OPEN_PATHS = frozenset({"/health"})


def _caller_check(token: str):
    async def refuse_unknown_callers(request) -> Optional[response.HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if carries_bearer_token(request.headers.get("authorization", ""), token):
            return None
        return response.json({"error": "The action server runs actions only for the Rasa server, "
                                       "which sends its token (ACTION_SERVER_TOKEN)."},
                             status=401, headers={"WWW-Authenticate": "Bearer"})
    return refuse_unknown_callers


def create_app(*args, token: str, **kwargs) -> Sanic:
    """rasa-sdk's app (made without CORS: `configure_cors` is switched off below), answering
    requests Sanic refuses with Sanic's own status, and only callers with `token`."""
    app = _create_rasa_sdk_app(*args, **kwargs)
    app.error_handler.add(SanicException, _refused)  # before rasa-sdk's handler of any Exception
    app.register_middleware(_caller_check(token), "request")
    return app


def interface_and_rasa_sdk_arguments(arguments: list) -> tuple:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--interface", default="127.0.0.1")
    known, rest = parser.parse_known_args(arguments)
    return known.interface, rest


if __name__ == "__main__":
    try:
        token = action_server_token()
    except SettingsError as error:
        sys.exit(f"error: {error}")
    interface, rasa_sdk_arguments = interface_and_rasa_sdk_arguments(sys.argv[1:])
    os.environ["SANIC_HOST"] = interface  # where rasa-sdk's `run` reads the address to listen on
    os.environ["SANIC_ACCESS_LOG"] = "false"  # Sanic reads its settings from SANIC_* variables
    rasa_sdk.endpoint.configure_cors = lambda app, cors_origins=None: None
    rasa_sdk.endpoint.create_app = functools.partial(create_app, token=token)
    places.warm_up()
    gc.freeze()
    main_from_args(create_argument_parser().parse_args(["--actions", "actions", *rasa_sdk_arguments]))
