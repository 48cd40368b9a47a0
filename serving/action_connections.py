"""Calls to the action server reuse their HTTP connections.

Rasa 3.6 opens a new aiohttp session for every request to an endpoint (`EndpointConfig.request`:
`async with self.session() as session`), so every custom action call and form validation
connects, and the action server accepts, a new TCP connection: under load, session set-up was a
twentieth of the Rasa server's CPU time. Here each endpoint keeps one session per event loop (each
Sanic worker has its own loop), with the same headers, authentication and timeout as Rasa's.

Request bodies are written with ujson (already installed for Sanic) instead of the standard
library's json: a form validation's body carries the domain, 33 KB, and writing it was 0.4 ms of
the Rasa server's CPU per call, 0.18 ms with ujson (same JSON: the tests compare them).

Form validation actions, the only ones sent the domain (`enable_selective_domain`), are sent the
two parts of it that rasa-sdk 3.6 reads, "forms" (a form's required slots and ignored intents)
and "slots" (custom slot mappings): 3.6 KB instead of 27 KB, four fifths of which were the
responses, written by Rasa and parsed by the action server on every validation.

Idle connections are let go after IDLE_CONNECTION_SECONDS, before the action server (Sanic, 5 s
keep-alive by default) closes them itself: a request must never be sent on a connection the server
is closing at that moment, which would fail the action for the person.
"""
from __future__ import annotations

import asyncio
import weakref
from typing import Any, Dict, Text

import aiohttp
import ujson
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

IDLE_CONNECTION_SECONDS = 2.0
DOMAIN_PARTS_RASA_SDK_READS = ("forms", "slots")

# Per event loop, so that a session is only used on the loop it was made on.
_sessions_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Dict[Text, aiohttp.ClientSession]]" = (
    weakref.WeakKeyDictionary())


class _KeptSession:
    """`async with` gives the endpoint's kept session and leaves it open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc_info) -> None:
        return None


def _kept_session(endpoint: EndpointConfig) -> _KeptSession:
    # Rasa asks for a session only in coroutines (`request`, the model server pull): a loop runs.
    sessions = _sessions_by_loop.setdefault(asyncio.get_running_loop(), {})
    key = repr((endpoint.url, endpoint.headers, endpoint.basic_auth))
    session = sessions.get(key)
    if session is None or session.closed:
        # What Rasa's `session()` sets, with a connector that lets idle connections go early.
        auth = endpoint.basic_auth
        session = sessions[key] = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=aiohttp.BasicAuth(auth["username"], auth["password"]) if auth else None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS),
            json_serialize=ujson.dumps)
    return _KeptSession(session)


_rasa_action_call_format = RemoteAction._action_call_format


def _action_call_format(self: RemoteAction, tracker, domain: Domain) -> Dict[Text, Any]:
    call = _rasa_action_call_format(self, tracker, domain)
    if "domain" in call:  # `domain.as_dict()`: the dictionary Rasa keeps, not a copy
        whole = call["domain"]
        call["domain"] = {part: whole[part] for part in DOMAIN_PARTS_RASA_SDK_READS if part in whole}
    return call


def install() -> None:
    EndpointConfig.session = _kept_session
    RemoteAction._action_call_format = _action_call_format
