"""The action server as `make run` starts it (`python -m actions`)."""
from __future__ import annotations

from pathlib import Path


def test_the_action_server_runs_without_loading_tensorflow(assistant, chat):
    # A referral runs spaCy's rules and the directory search in the action server.
    replies = chat("find a job center near 62704")
    assert any("Sample Prairie Workforce Center" in (r.get("text") or "") for r in replies), replies
    maps = Path(f"/proc/{assistant.actions.process.pid}/maps").read_text()
    assert "tensorflow" not in maps, "the action server loaded TensorFlow"
