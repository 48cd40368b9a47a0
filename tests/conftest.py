"""Shared fixtures: the real assistant (trained model + Rasa server + action server) on loopback."""
from __future__ import annotations

import pytest

from tests.support.servers import Assistant, start_assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Assistant:
    """One running assistant for the whole session (SQLite tracker store in a temp dir)."""
    running = start_assistant(tmp_path_factory.mktemp("assistant"))
    yield running
    running.rasa.stop()
    running.actions.stop()
