"""A Rasa server that is told to stop while a load balancer keeps one connection busy
(serving/graceful_shutdown.py): it finishes the turn in progress, closes the connection, and
exits at once, and every message it answered is stored exactly once.

Before, Sanic went on serving the busy kept-alive connection for its whole 15 s drain and then
cut it off, possibly after a turn was saved and before its reply was sent.
"""
from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import threading
import time
from urllib.parse import urlsplit

from tests.support.servers import rest_conversation, start_assistant

# Well under Sanic's 15 s graceful shutdown timeout, which a busy connection used to run out.
STOPPED_WITHIN_SECONDS = 8


CONNECTIONS = 8  # nginx keeps up to 64 open to each instance


def test_a_stopping_server_closes_busy_connections_after_their_reply_and_exits_at_once(tmp_path):
    assistant = start_assistant(tmp_path)
    address = urlsplit(assistant.url)
    answered = {f"kept-alive-{n}": 0 for n in range(CONNECTIONS)}
    replied = threading.Barrier(CONNECTIONS + 1)

    def send_back_to_back(sender: str) -> None:
        # As nginx does: one kept-alive connection, the next message as soon as the last reply.
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        for number in range(100_000):
            body = json.dumps({"sender": sender, "message": ("hi", "what is a career")[number % 2]})
            try:
                connection.request("POST", "/webhooks/rest/webhook", body,
                                   {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                return  # closed while idle between two messages
            if response.status == 200:
                answered[sender] += 1
            if number == 0:
                replied.wait(60)
            if response.getheader("Connection", "").lower() == "close":
                return

    clients = [threading.Thread(target=send_back_to_back, args=(sender,), daemon=True)
               for sender in answered]
    try:
        for client in clients:
            client.start()
        replied.wait(60)
        time.sleep(0.5)
        stop_sent = time.monotonic()
        assistant.rasa.process.send_signal(signal.SIGTERM)
        assistant.rasa.process.wait(timeout=40)
        stopped_after = time.monotonic() - stop_sent
        for client in clients:
            client.join(timeout=30)
    finally:
        assistant.rasa.stop()
        assistant.actions.stop()
    assert stopped_after < STOPPED_WITHIN_SECONDS
    assert not any(client.is_alive() for client in clients)
    with sqlite3.connect(assistant.data_dir / "conversations.db") as database:
        stored = dict(database.execute("SELECT sender_id, count(*) FROM events "
                                       "WHERE type_name = 'user' GROUP BY sender_id"))
    assert stored == {rest_conversation(sender): count for sender, count in answered.items()}
    assert min(answered.values()) > 1
