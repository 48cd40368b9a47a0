"""python -m careerbot.web [--host H] [--port P]: serve the widget and staff console."""
from __future__ import annotations

import argparse
import logging
import sys

from careerbot.settings import SettingsError, alert_settings, web_settings
from careerbot.web.app import create_app


def log_to_stderr() -> None:
    """The project's own messages (crisis alerts sent and failed, sync errors) with time and level;
    Sanic configures its own loggers."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    project_logger = logging.getLogger("careerbot")
    project_logger.addHandler(handler)
    project_logger.setLevel(logging.INFO)
    project_logger.propagate = False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    try:
        alerts, web = alert_settings(), web_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    log_to_stderr()
    create_app(alerts=alerts, web=web).run(host=args.host, port=args.port, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
