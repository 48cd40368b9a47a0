"""python -m careerbot.web [--host H] [--port P]: serve the widget and staff console."""
from __future__ import annotations

import argparse

from careerbot.web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    create_app().run(host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
