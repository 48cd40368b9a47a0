"""Turns wait for a slot in arrival order, a few at a time (connectors/turn_queue.py)."""
import asyncio
import subprocess
import sys

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from connectors.turn_failure import handle_turn
from tests.support.servers import PROJECT_ROOT


def test_turns_beyond_the_limit_wait_and_then_start_in_the_order_they_arrived(monkeypatch):
    monkeypatch.setenv("MAX_CONCURRENT_TURNS", "2")
    started, in_progress, most_in_progress = [], [], []

    async def burst():
        release = asyncio.Event()

        async def on_new_message(message: UserMessage) -> None:
            started.append(message.text)
            in_progress.append(message.text)
            most_in_progress.append(len(in_progress))
            await release.wait()  # as a turn waits for the action server
            await asyncio.sleep(0)
            in_progress.remove(message.text)

        turns = []
        for number in range(6):
            message = UserMessage(f"message {number}", CollectingOutputChannel(), f"person-{number}")
            turns.append(asyncio.ensure_future(handle_turn(on_new_message, message)))
            await asyncio.sleep(0)  # arrives after the one before
        await asyncio.sleep(0.01)
        assert started == ["message 0", "message 1"]  # the others are waiting for a slot
        release.set()
        return await asyncio.gather(*turns)

    assert asyncio.run(burst()) == [True] * 6
    assert started == [f"message {number}" for number in range(6)]
    assert max(most_in_progress) == 2


@pytest.mark.parametrize("value", ["four", "0"])
def test_a_bad_turn_limit_stops_the_server_before_it_starts_with_a_clear_message(value):
    result = subprocess.run([sys.executable, "-m", "serving", "run", "--help"], cwd=PROJECT_ROOT,
                            env={"MAX_CONCURRENT_TURNS": value, "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "MAX_CONCURRENT_TURNS" in result.stderr
