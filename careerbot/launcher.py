"""`make run`: start the action server, the Rasa server and the web app; stop all on Ctrl-C.

Each process is a child of this one (careerbot/processes.py): one that exits is started again
while the others go on, and on Ctrl-C / SIGTERM all of them stop, so nothing is left running in
the background.
"""
from __future__ import annotations

import argparse
import os
import sys

from careerbot.processes import Service, run_group
from careerbot.runtime import (action_server_command, build_credentials, enabled_channels,
                               rasa_server_command, server_env, write_runtime_config)
from careerbot.settings import SettingsError, data_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--web-port", type=int, default=8080)
    args = parser.parse_args()

    try:
        env = server_env(dict(os.environ,
                              ACTION_SERVER_URL=f"http://localhost:{args.actions_port}/webhook"))
        endpoints, credentials = write_runtime_config(data_dir(env) / "run", env)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    services = [
        Service("action server", action_server_command(sys.executable, args.actions_port),
                f"http://localhost:{args.actions_port}/health", env),
        Service("Rasa server",
                rasa_server_command(sys.executable, args.rasa_port, endpoints, credentials, env,
                                    cors_origins=[f"http://localhost:{args.web_port}"]),
                f"http://localhost:{args.rasa_port}/", env),
        Service("web app", [sys.executable, "-m", "careerbot.web", "--port", str(args.web_port)],
                f"http://localhost:{args.web_port}/", env),
    ]
    channels = ", ".join(enabled_channels(build_credentials(env)))
    return run_group(services, on_all_up=lambda: print(
        "\n  Career assistant is running.\n"
        f"  Chat on the demo page:   http://localhost:{args.web_port}/\n"
        f"  Staff console:           http://localhost:{args.web_port}/staff\n"
        f"  REST channel:            http://localhost:{args.rasa_port}/webhooks/rest/webhook\n"
        f"  Channels on:             {channels}\n"
        "  Press Ctrl-C to stop.\n", flush=True))


if __name__ == "__main__":
    sys.exit(main())
