"""The PostgreSQL server and the Redis the tests use: private instances that tests/conftest.py
starts for the test session (PrivatePostgres and PrivateRedis of tests/support/production.py, on
free loopback ports, in temporary folders), never the machine's own servers, which a user's
machine or CI may not have running. TEST_POSTGRES_URL (a server's URL; its database is ignored)
and TEST_REDIS_URL (without a database number) point the tests at other servers instead."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator, List
from urllib.parse import urlparse, urlunparse

POSTGRES_VARIABLE, REDIS_VARIABLE = "TEST_POSTGRES_URL", "TEST_REDIS_URL"


def postgres_url(database: str = "postgres") -> str:
    """The tests' PostgreSQL server, connected to `database`."""
    return urlunparse(urlparse(os.environ[POSTGRES_VARIABLE])._replace(path=f"/{database}"))


def redis_url(db: int) -> str:
    """The tests' Redis, database `db`."""
    return f"{os.environ[REDIS_VARIABLE].rstrip('/')}/{db}"


@contextlib.contextmanager
def private_services() -> Iterator[None]:
    """Start the PostgreSQL server and the Redis that no variable names yet, for as long as the
    block runs (the test session, or a benchmark run on its own)."""
    from tests.support.production import PrivatePostgres, PrivateRedis

    stops: List[Callable[[], None]] = []
    try:
        if not os.environ.get(POSTGRES_VARIABLE):
            postgres = PrivatePostgres()
            stops.append(postgres.stop)
            os.environ[POSTGRES_VARIABLE] = postgres.url
            stops.append(lambda: os.environ.pop(POSTGRES_VARIABLE, None))
        if not os.environ.get(REDIS_VARIABLE):
            folder = Path(tempfile.mkdtemp(prefix="careerbot-redis-"))
            stops.append(lambda: shutil.rmtree(folder, ignore_errors=True))
            redis = PrivateRedis(folder)
            stops.append(redis.stop)
            os.environ[REDIS_VARIABLE] = redis.server_url
            stops.append(lambda: os.environ.pop(REDIS_VARIABLE, None))
        yield
    finally:
        for stop in reversed(stops):
            stop()
