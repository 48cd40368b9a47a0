"""Shared fixtures: the real assistant (trained model + Rasa server + action server) on loopback."""
from __future__ import annotations

import uuid

import pytest

from tests.support.servers import Assistant, start_assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Assistant:
    """One running assistant for the whole session (SQLite tracker store in a temp dir)."""
    running = start_assistant(tmp_path_factory.mktemp("assistant"))
    yield running
    running.rasa.stop()
    running.actions.stop()


@pytest.fixture
def chat(assistant):
    """A fresh conversation with the running assistant: chat("hi") returns the bot's replies,
    chat.sender is its sender id."""
    sender = f"person-{uuid.uuid4().hex[:12]}"

    def send(text: str):
        return assistant.send(sender, text)
    send.sender = sender
    return send
