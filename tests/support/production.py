"""The production topology for tests: `make run-production`'s processes on their own PostgreSQL
and Redis, so that the tests can stop and restart each of them.

PostgreSQL and Redis are private instances (a fresh cluster from the machine's PostgreSQL
binaries, a redis-server without persistence) on free loopback ports: restarting them cannot
disturb anything else on the machine.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import psycopg2

from careerbot.conversation_ids import id_in_channel
from careerbot.production import Process, commands, plan, processes, production_env
from tests.support.servers import (ServerProcess, base_env, free_port, import_directory,
                                  rest_conversation, spawn_server)


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL's server binaries are missing: apt-get install postgresql")
    return found[-1]


def _as_postgres_user(command: List[str]) -> List[str]:
    # initdb and the server refuse to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    def __init__(self) -> None:
        # Its own directory under /tmp: pytest's are private to root, the server runs as postgres.
        self.root = root = Path(tempfile.mkdtemp(prefix="careerbot-postgres-"))
        self.data = root / "pgdata"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        subprocess.run(_as_postgres_user([_postgres_bin("initdb"), "-D", str(self.data), "-A",
                                          "trust", "-U", "postgres", "--no-sync"]),
                       check=True, capture_output=True)
        self.start()

    # Trust authentication ignores it; it is there to show that no password is written out.
    PASSWORD = "pg-secret-" + os.urandom(4).hex()

    @property
    def url(self) -> str:
        return f"postgresql://postgres:{self.PASSWORD}@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres_user([_postgres_bin("pg_ctl"), "-D", str(self.data), "-w",
                                          "-l", str(self.root / "postgres.log"), *args]),
                       check=True, capture_output=True)

    def start(self) -> None:
        self._pg_ctl("-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", "start")

    def restart(self) -> None:
        self._pg_ctl("-m", "fast", "restart")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def query(self, sql: str, *params) -> list:
        with psycopg2.connect(self.url) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class PrivateRedis:
    PASSWORD = "redis-secret-" + os.urandom(4).hex()

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.log = root / "redis.log"
        self.process = None
        self.start()

    @property
    def server_url(self) -> str:
        return f"redis://:{self.PASSWORD}@127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.server_url}/1"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--logfile", str(self.log), "--requirepass", self.PASSWORD])
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "--no-auth-warning", "-a",
                              self.PASSWORD, "ping"],
                             capture_output=True).stdout.strip() != b"PONG":
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Production:
    """The running topology; `servers` by the names careerbot.production gives them."""

    postgres: PrivatePostgres
    redis: PrivateRedis
    servers: Dict[str, ServerProcess]
    processes: Dict[str, Process]
    commands: Dict[str, List[str]]
    env: Dict[str, str]
    log_dir: Path
    public_url: str
    rasa_urls: List[str] = field(default_factory=list)

    def names(self, kind: str) -> List[str]:
        """The processes of one kind ("actions", "rasa", "web", "nginx")."""
        return [name for name, process in self.processes.items() if process.kind == kind]

    def restart(self, name: str) -> None:
        self.servers[name].stop()
        self.start(name)

    def start(self, name: str) -> None:
        process = self.processes[name]
        server = spawn_server(name, self.commands[name], self.env, self.log_dir, process.url)
        self.servers[name] = server
        server.wait_until_up(process.ready_path, timeout=240)

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.redis.stop()
        self.postgres.stop()

    @property
    def rest_headers(self) -> Dict[str, str]:
        """What a REST client must send: the profile runs the channel only with its token."""
        return {"Authorization": f"Bearer {self.env['REST_CHANNEL_TOKEN']}"}

    def user_messages(self, sender_prefix: str) -> List[tuple]:
        """(REST sender, text) of every stored user message of the REST senders starting with
        `sender_prefix`, in order."""
        rows = self.postgres.query(
            "SELECT sender_id, data::json->>'text' FROM events "
            "WHERE type_name = 'user' AND sender_id LIKE %s ORDER BY id",
            rest_conversation(sender_prefix) + "%")
        return [(id_in_channel("rest", conversation), text) for conversation, text in rows]


def start_production(work_dir: Path, instances: int = 2, workers: int = 1) -> Production:
    work_dir.mkdir(parents=True, exist_ok=True)
    postgres = PrivatePostgres()
    redis = PrivateRedis(work_dir)
    env = base_env(work_dir / "var", {"DATABASE_URL": postgres.url, "REDIS_URL": redis.url,
                                      "RASA_INSTANCES": str(instances), "RASA_WORKERS": str(workers),
                                      "ACTION_SERVERS": "2",
                                      "REST_CHANNEL_TOKEN": "rest-" + os.urandom(16).hex()})
    import_directory(env)
    topology = plan(env, public_port=free_port())
    env = production_env(env, topology)
    topology_commands = commands(env, topology)
    topology_processes = processes(topology)
    log_dir = work_dir / "logs"
    servers: Dict[str, ServerProcess] = {}
    try:
        for name, command in topology_commands.items():
            servers[name] = spawn_server(name, command, env, log_dir, topology_processes[name].url)
        for name, server in servers.items():
            server.wait_until_up(topology_processes[name].ready_path, timeout=300)
    except Exception:
        for server in servers.values():
            server.stop()
        redis.stop()
        postgres.stop()
        raise
    return Production(postgres, redis, servers, topology_processes, topology_commands, env,
                      log_dir, topology_processes["nginx"].url,
                      [p.url for p in topology_processes.values() if p.kind == "rasa"])
