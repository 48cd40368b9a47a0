"""Shared fixtures: the real assistant (trained model + Rasa server + action server) on loopback,
and the production topology (several Rasa instances behind nginx on PostgreSQL and Redis); and,
for the whole session, the tests' own PostgreSQL server and Redis (tests/support/services.py)."""
from __future__ import annotations

import uuid

import pytest

from tests.support import services
from tests.support.production import Production, start_production
from tests.support.servers import Assistant, rest_conversation, start_assistant


_SERVICES = services.private_services()


def pytest_configure(config) -> None:
    """Start the tests' PostgreSQL and Redis before any test module is imported (some read their
    addresses at import), unless TEST_POSTGRES_URL or TEST_REDIS_URL names servers to use."""
    _SERVICES.__enter__()


def pytest_unconfigure(config) -> None:
    _SERVICES.__exit__(None, None, None)


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Assistant:
    """One running assistant for the whole session (SQLite tracker store in a temp dir).

    It keeps only one turn of each conversation as it happened and summarises the rest, the
    harshest setting of serving/conversation_window.py: every conversation test then also checks
    that loading a conversation from a summary changes nothing the person sees."""
    running = start_assistant(tmp_path_factory.mktemp("assistant"), {"CONVERSATION_WINDOW_TURNS": "1"})
    yield running
    running.rasa.stop()
    running.actions.stop()


@pytest.fixture(scope="session")
def production(tmp_path_factory) -> Production:
    """`make run-production`'s topology on its own PostgreSQL and Redis (tests may restart them)."""
    running = start_production(tmp_path_factory.mktemp("production"), instances=2, workers=2)
    yield running
    running.stop()


@pytest.fixture
def chat(assistant):
    """A fresh conversation with the running assistant over REST: chat("hi") returns the bot's
    replies, chat.sender is the conversation's id in Rasa."""
    sender = f"person-{uuid.uuid4().hex[:12]}"

    def send(text: str):
        return assistant.send(sender, text)
    send.sender = rest_conversation(sender)
    return send
