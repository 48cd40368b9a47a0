"""`python -m serving run …`: Rasa's own command line, with this project's fixes installed first.

`make run`, `make run-production` and the tests start the Rasa server this way, so that what is
tested is what runs.
"""
import sys

from connectors.turn_queue import concurrent_turns
from serving import (action_connections, action_failure, diet_inference, garbage_collection,
                     graceful_shutdown, model_loading, root_route, tracker_store, turn_cost)


def main() -> None:
    concurrent_turns()  # a bad MAX_CONCURRENT_TURNS stops the server now, not at the first turn
    action_connections.install()
    action_failure.install()
    garbage_collection.install()
    graceful_shutdown.install()
    model_loading.install()
    root_route.install()
    tracker_store.install()
    turn_cost.install()
    diet_inference.install()  # wraps turn_cost's DIET prediction, so after it
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
