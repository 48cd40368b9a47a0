"""The resource directory the actions read, opened once per action server process."""
from __future__ import annotations

import functools

from careerbot.directory.search import Directory


@functools.lru_cache(maxsize=1)
def directory() -> Directory:
    """One directory per action server process (re-imports are picked up by the store)."""
    return Directory.open()
