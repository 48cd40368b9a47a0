"""`make run-production`: the scale-out topology on one machine, on loopback.

    nginx :PUBLIC_PORT ─┬─ /socket.io/  → Rasa instances (sticky by client address: ip_hash)
                        ├─ /webhooks/   → Rasa instances (least busy first)
                        └─ everything else → the web app (widget, demo page, staff console)
    Rasa instances ── PostgreSQL (DATABASE_URL): conversations, durable across restarts
                   ── Redis (REDIS_URL): one conversation lock store shared by all instances
                   ── nginx :ACTIONS_PORT → action servers (round robin)

Every Rasa instance sends the action servers the same token, ACTION_SERVER_TOKEN (a new one for
the run when it is unset: production_env), which nginx passes on and they check. They all sign
and recognise the widget's session ids with the same WIDGET_SESSION_SECRET (likewise made for the
run when unset; set it to keep visitors' conversations across a restart). The REST channel is on
only with REST_CHANNEL_TOKEN, which its clients must send. nginx names each client in X-Real-IP,
which the web app believes from it only (TRUSTED_PROXIES).
Everything is chosen by environment variables (see README, "Going to production"). The tests
start this same topology (tests/support/production.py) from `plan` and `commands`.

`make run-production` keeps the processes running (careerbot/processes.py): one that exits is
started again while nginx sends its traffic to the others. On a server, systemd does that instead:
each unit in deploy/systemd/ runs `python -m careerbot.production serve KIND [N]`, which runs the
same command as the topology, on the fixed ports below.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from careerbot.processes import Service, free_port, run_group
from careerbot.runtime import (action_server_command, build_credentials, enabled_channels,
                               rasa_server_command, server_env, write_runtime_config)
from careerbot.settings import (MAX_REQUEST_BYTES, PROJECT_ROOT, SettingsError, action_server_token,
                                data_dir, widget_session_secret)

NGINX_TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.template"
NGINX_BINARY = "/usr/sbin/nginx"
# Without RASA_INSTANCES / ACTION_SERVERS / RASA_WORKERS (and in docker-compose.yml).
DEFAULT_RASA_INSTANCES = 2
DEFAULT_ACTION_SERVERS = 2
DEFAULT_WORKERS = 1
# Under systemd each process starts on its own and must find the others, so their ports are
# fixed (make run-production takes free ones): Rasa instance n listens on
# SYSTEMD_RASA_BASE_PORT + n - 1, action server n on SYSTEMD_ACTION_SERVER_BASE_PORT + n - 1,
# nginx on PUBLIC_PORT.
SYSTEMD_ACTIONS_PORT = 5055  # nginx's port in front of the action servers
SYSTEMD_WEB_PORT = 8081
SYSTEMD_RASA_BASE_PORT = 5005
SYSTEMD_ACTION_SERVER_BASE_PORT = 5056


class ProductionConfigError(ValueError):
    """The environment does not describe a production deployment."""


@dataclass(frozen=True)
class Topology:
    public_port: int
    actions_port: int  # nginx's port in front of the action servers
    web_port: int
    rasa_ports: List[int]
    action_ports: List[int]
    workers_per_instance: int
    run_dir: Path

    @property
    def public_url(self) -> str:
        return f"http://localhost:{self.public_port}"


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ProductionConfigError(f"{name} must be a whole number of at least 1, not {raw!r}.")
    return int(raw)


def plan(env: Mapping[str, str], public_port: Optional[int] = None,
         fixed_ports: bool = False) -> Topology:
    """Where each process of the topology listens. Internal ports are free ones on loopback, or
    with `fixed_ports` the SYSTEMD_* ones."""
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not env.get(name)]
    if missing:
        raise ProductionConfigError(
            "The production profile needs " + " and ".join(missing) + " (e.g. DATABASE_URL="
            "postgresql://rasa@127.0.0.1/rasa REDIS_URL=redis://127.0.0.1:6379/1); "
            "`make run` is the embedded set-up without them.")
    rasa_instances = _count(env, "RASA_INSTANCES", DEFAULT_RASA_INSTANCES)
    action_servers = _count(env, "ACTION_SERVERS", DEFAULT_ACTION_SERVERS)
    if fixed_ports:
        actions_port, web_port = SYSTEMD_ACTIONS_PORT, SYSTEMD_WEB_PORT
        rasa_ports = [SYSTEMD_RASA_BASE_PORT + n for n in range(rasa_instances)]
        action_ports = [SYSTEMD_ACTION_SERVER_BASE_PORT + n for n in range(action_servers)]
    else:
        actions_port, web_port = free_port(), free_port()
        rasa_ports = [free_port() for _ in range(rasa_instances)]
        action_ports = [free_port() for _ in range(action_servers)]
    return Topology(
        public_port=public_port or _count(env, "PUBLIC_PORT", 8080),
        actions_port=actions_port, web_port=web_port, rasa_ports=rasa_ports,
        action_ports=action_ports,
        workers_per_instance=_count(env, "RASA_WORKERS", DEFAULT_WORKERS),
        run_dir=data_dir(env) / "production")


def render_nginx(run_dir: str, public_listen: str, actions_listen: str, web_server: str,
                 rasa_servers: List[str], action_servers: List[str], front_proxies: List[str]) -> str:
    def servers(addresses: List[str], failure_rule: str) -> str:
        return "\n".join(f"        server {address} {failure_rule};" for address in addresses)

    return NGINX_TEMPLATE.read_text(encoding="utf-8").format(
        run_dir=run_dir, public_listen=public_listen, actions_listen=actions_listen,
        web_server=web_server,
        front_proxies="\n".join(f"        set_real_ip_from {address};" for address in front_proxies)
        or "        # none: each client's address is its connection's",
        # A stopped Rasa instance is skipped for a while rather than retried on every message.
        rasa_servers=servers(rasa_servers, "max_fails=1 fail_timeout=5s"),
        # Action servers are never marked down: once all of them had failed, nginx refused every
        # action call for the next 5 s even when they were back, so the first referrals after a
        # restart failed. A stopped one refuses the connection at once and the call goes to the
        # next (proxy_next_upstream error).
        action_servers=servers(action_servers, "max_fails=0"),
        max_body_kb=MAX_REQUEST_BYTES // 1024)


def nginx_config(topology: Topology) -> str:
    """nginx's configuration for the topology on this machine, on loopback."""
    return render_nginx(
        str(topology.run_dir), f"127.0.0.1:{topology.public_port}",
        f"127.0.0.1:{topology.actions_port}", f"127.0.0.1:{topology.web_port}",
        [f"127.0.0.1:{port}" for port in topology.rasa_ports],
        [f"127.0.0.1:{port}" for port in topology.action_ports],
        # nginx listens on loopback only: the TLS proxy in front of it is on this machine.
        front_proxies=["127.0.0.1"])


# The same topology in docker-compose.yml: one service name stands for all of its replicas
# (nginx resolves it to every replica's address).
COMPOSE_NGINX_FILE = PROJECT_ROOT / "deploy" / "nginx.compose.conf"


def compose_nginx_config() -> str:
    return render_nginx("/tmp", "80", "5055", "web:8080", ["rasa:5005"], ["actions:5055"],
                        front_proxies=[])


def production_env(env: Mapping[str, str], topology: Topology) -> Dict[str, str]:
    public = topology.public_url
    public_url = env.get("RASA_PUBLIC_URL") or public
    return server_env(dict(
        env,
        ACTION_SERVER_URL=f"http://127.0.0.1:{topology.actions_port}/webhook",
        RASA_PUBLIC_URL=public_url,
        # Staff reach the console at the same address; an https:// one makes it HTTPS-only.
        STAFF_PUBLIC_URL=env.get("STAFF_PUBLIC_URL") or public_url,
        # nginx, which names each client in X-Real-IP.
        TRUSTED_PROXIES=env.get("TRUSTED_PROXIES") or "127.0.0.1",
        WIDGET_ALLOWED_ORIGINS=env.get("WIDGET_ALLOWED_ORIGINS") or
        f"{public},http://127.0.0.1:{topology.public_port}",
        SANIC_WORKERS=str(topology.workers_per_instance),
        # Several Rasa processes share the cores, and a turn's TensorFlow ops are tiny: one
        # thread each costs less CPU than thread pools handing work around (12.5 instead of
        # 13.6 ms of CPU a message, measured under load with bench/bench_throughput.py's mix).
        TF_INTRA_OP_PARALLELISM_THREADS="1", TF_INTER_OP_PARALLELISM_THREADS="1"))


def rasa_instance_command(env: Mapping[str, str], config: Tuple[Path, Path], port: int,
                          interface: str = "127.0.0.1") -> List[str]:
    """One Rasa instance of the topology; `env` is production_env's, `config` the endpoints and
    credentials files write_runtime_config wrote for it."""
    endpoints, credentials = config
    return rasa_server_command(sys.executable, port, endpoints, credentials, env,
                               cors_origins=env["WIDGET_ALLOWED_ORIGINS"].split(","),
                               interface=interface)


@dataclass(frozen=True)
class Process:
    kind: str  # "actions", "rasa", "web" or "nginx"
    port: int
    ready_path: str  # answers HTTP once the process serves
    number: int = 1  # among the processes of its kind, from 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ready_url(self) -> str:
        return self.url + self.ready_path


def processes(topology: Topology) -> Dict[str, Process]:
    """Every process of the topology, by the name it is reported under."""
    result = {f"action server {i + 1}": Process("actions", port, "/health", i + 1)
              for i, port in enumerate(topology.action_ports)}
    result.update({f"Rasa instance {i + 1}": Process("rasa", port, "/", i + 1)
                   for i, port in enumerate(topology.rasa_ports)})
    result["web app"] = Process("web", topology.web_port, "/")
    result["nginx"] = Process("nginx", topology.public_port, "/")
    return result


def commands(env: Mapping[str, str], topology: Topology) -> Dict[str, List[str]]:
    """The command of each of `processes(topology)`; `env` is production_env's."""
    config = write_runtime_config(topology.run_dir, env, production=True)  # one for all the instances
    nginx_conf = topology.run_dir / "nginx.conf"
    nginx_conf.write_text(nginx_config(topology), encoding="utf-8")
    python = sys.executable
    command_for = {
        "actions": lambda port: action_server_command(python, port),
        "rasa": lambda port: rasa_instance_command(env, config, port),
        "web": lambda port: [python, "-m", "careerbot.web", "--port", str(port)],
        "nginx": lambda _: [NGINX_BINARY, "-c", str(nginx_conf),
                            "-e", str(topology.run_dir / "nginx-error.log")],
    }
    return {name: command_for[process.kind](process.port)
            for name, process in processes(topology).items()}


def listening_socket(port: int) -> socket.socket:
    """One of nginx's ports (public, and in front of the action servers), opened by the
    supervisor and handed to each nginx it starts (nginx takes listening sockets from the NGINX
    variable, as in its binary upgrade): while a killed nginx is started again, connections wait
    in the socket's queue instead of being refused."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(511)  # nginx's own default backlog
    return listener


def run_topology() -> int:
    try:
        topology = plan(os.environ)
        env = production_env(os.environ, topology)
        public = listening_socket(topology.public_port)
    except (ProductionConfigError, SettingsError) as error:
        print(error, file=sys.stderr)
        return 2
    except OSError as error:
        print(f"Cannot listen on PUBLIC_PORT {topology.public_port}: {error.strerror}",
              file=sys.stderr)
        return 2
    command_of = commands(env, topology)
    services = [Service(name, command_of[name], process.ready_url, env)
                for name, process in processes(topology).items() if process.kind != "nginx"]
    with public, listening_socket(topology.actions_port) as actions:
        nginx_sockets = (public.fileno(), actions.fileno())
        # SIGQUIT: nginx's workers finish the requests they are answering before they exit.
        services.append(Service(
            "nginx", command_of["nginx"], processes(topology)["nginx"].ready_url,
            dict(env, NGINX="".join(f"{fd};" for fd in nginx_sockets)), nginx_sockets,
            signal.SIGQUIT))
        channels = ", ".join(enabled_channels(build_credentials(env, production=True)))
        return run_group(services, on_all_up=lambda: print(
            f"\n  Career assistant (production profile) is running.\n"
            f"  Public address:  {topology.public_url}/  (staff console: /staff)\n"
            f"  Rasa instances:  {len(topology.rasa_ports)} x {topology.workers_per_instance} "
            f"worker(s); action servers: {len(topology.action_ports)}\n"
            f"  Channels on:     {channels}\n  Press Ctrl-C to stop.\n", flush=True))


def serve(kind: str, number: int) -> int:
    """Run one process of the topology, as a systemd unit does (deploy/systemd/): the same
    command as `make run-production` runs, on the SYSTEMD_* ports."""
    try:
        # Each unit's process would make up its own, and the others would not accept it.
        action_server_token(os.environ)
        widget_session_secret(os.environ)
        topology = plan(os.environ, fixed_ports=True)
        names = [name for name, process in processes(topology).items()
                 if process.kind == kind and process.number == number]
        if not names:
            raise ProductionConfigError(
                f"The topology has no {kind} {number}: RASA_INSTANCES and ACTION_SERVERS say how "
                "many instances of careerbot-rasa@ and careerbot-actions@ to enable.")
        # Its own folder for the files it writes: the units start together, and would otherwise
        # write the same files at the same time as others read them.
        topology = replace(topology, run_dir=topology.run_dir / f"{kind}-{number}")
        env = production_env(os.environ, topology)
        command = commands(env, topology)[names[0]]
    except (ProductionConfigError, SettingsError) as error:
        print(error, file=sys.stderr)
        return 2
    os.execve(command[0], command, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands_parser = parser.add_subparsers(dest="command")
    instance = commands_parser.add_parser(
        "rasa-instance", help="run one Rasa instance as the topology does (docker-compose.yml)")
    instance.add_argument("--port", type=int, default=5005)
    instance.add_argument("--interface", default="127.0.0.1")
    commands_parser.add_parser("write-compose-nginx",
                               help=f"write {COMPOSE_NGINX_FILE.relative_to(PROJECT_ROOT)}")
    one = commands_parser.add_parser(
        "serve", help="run one process of the topology on its fixed port (deploy/systemd/)")
    one.add_argument("kind", choices=["rasa", "actions", "web", "nginx"])
    one.add_argument("number", type=int, nargs="?", default=1)
    args = parser.parse_args()
    if args.command == "serve":
        return serve(args.kind, args.number)
    if args.command == "write-compose-nginx":
        COMPOSE_NGINX_FILE.write_text(compose_nginx_config(), encoding="utf-8")
        return 0
    if args.command == "rasa-instance":
        # The container's environment is already production_env's (docker-compose.yml).
        try:
            config = write_runtime_config(data_dir() / "production", os.environ, production=True)
        except SettingsError as error:
            print(error, file=sys.stderr)
            return 2
        command = rasa_instance_command(os.environ, config, args.port, args.interface)
        os.execv(command[0], command)
    return run_topology()


if __name__ == "__main__":
    sys.exit(main())
