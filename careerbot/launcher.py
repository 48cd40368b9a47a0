"""`make run`: start the action server, the Rasa server and the web app; stop all on Ctrl-C.

Each process is a child of this one. When any of them exits, or on Ctrl-C / SIGTERM, the others
are stopped too, so nothing is left running in the background.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys

from careerbot.processes import start_all, stop_all, supervise, wait_until_up
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
    commands = {
        "action server": action_server_command(sys.executable, args.actions_port),
        "Rasa server": rasa_server_command(sys.executable, args.rasa_port, endpoints, credentials,
                                           env, cors_origins=[f"http://localhost:{args.web_port}"]),
        "web app": [sys.executable, "-m", "careerbot.web", "--port", str(args.web_port)],
    }
    processes = start_all(commands, env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if not wait_until_up(f"http://localhost:{args.rasa_port}/", processes["Rasa server"], 180):
            print("The Rasa server did not start; see the messages above.", file=sys.stderr)
            return 1
        channels = ", ".join(enabled_channels(build_credentials(env)))
        print(
            "\n  Career assistant is running.\n"
            f"  Chat on the demo page:   http://localhost:{args.web_port}/\n"
            f"  Staff console:           http://localhost:{args.web_port}/staff\n"
            f"  REST channel:            http://localhost:{args.rasa_port}/webhooks/rest/webhook\n"
            f"  Channels on:             {channels}\n"
            "  Press Ctrl-C to stop.\n",
            flush=True,
        )
        return supervise(processes)
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all(processes)


if __name__ == "__main__":
    sys.exit(main())
