"""Crisis alerts to the office, and crisis conversations in the staff console.

Alerts end to end: the real assistant (trained model, Rasa server, action server) and the real web
app on one SQLite tracker store, a real SMTP server (aiosmtpd) standing for the on-call mailbox and
an HTTP receiver standing for a Slack, Teams or office webhook, all on loopback. A person's crisis
message goes in through the REST channel; what the office receives, and when, is checked.

Console: conversations written into the tracker store as Rasa writes them
(tests/support/rasa_events.py), on SQLite and PostgreSQL, read over real HTTP by a signed-in
counselor.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import json
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
import zoneinfo
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, List, Optional
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from careerbot.console.accounts import IDLE_TIMEOUT_SECONDS
from careerbot.conversation_ids import id_in_channel
from careerbot.processes import free_port
from tests.support import rasa_events as ev
from tests.support.servers import rest_conversation, start_assistant, start_web_app, texts
from tests.support.staff import ADMIN, COUNSELOR, StaffClient, console_env, create_staff, seeded_console, signed_in

CRISIS_MESSAGE = "i want to kill myself"
TIME_ZONE = "America/Chicago"
ON_CALL = "on-call@example.org"
# Short waits so that retries happen within a test; the product's defaults are 30 s and 5 s.
RETRY_SECONDS, TIMEOUT_SECONDS = 0.5, 2.0
ALERT_LINK = re.compile(r"https?://[^\s\"]+/staff/alerts/[0-9a-f]{32}")
# The alert of a conversation arrives within this of the message (measured: 0.2 to 0.3 s).
PROMPT_SECONDS = 1.5


# --- the office's side: a mailbox and a webhook on loopback -------------------------------------

@dataclass
class Arrival:
    """An alert as the office got it: when, its text as a whole, and the link in it."""

    at: float
    raw: str
    text: str

    @property
    def link(self) -> str:
        found = ALERT_LINK.search(self.text)
        assert found, f"no transcript link in the alert: {self.text!r}"
        return found.group(0)

    @property
    def alert_id(self) -> str:
        return self.link.rsplit("/", 1)[1]


class Inbox:
    """Arrivals in order, with a wait for the one a test expects."""

    def __init__(self) -> None:
        self.arrivals: List[Arrival] = []
        self._changed = threading.Condition()

    def add(self, arrival: Arrival) -> None:
        with self._changed:
            self.arrivals.append(arrival)
            self._changed.notify_all()

    def wait_for(self, wanted: Callable[[Arrival], bool], timeout: float = 30) -> Arrival:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [arrival for arrival in self.arrivals if wanted(arrival)]
                if found:
                    return found[0]
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no such alert arrived in {timeout} s; got {[a.text for a in self.arrivals]}"
                self._changed.wait(remaining)

    def about(self, alert_id: str) -> List[Arrival]:
        with self._changed:
            return [arrival for arrival in self.arrivals if arrival.alert_id == alert_id]


class Mailbox(Inbox):
    """A real SMTP server (aiosmtpd) on a fixed loopback port, which a test can stop and start."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.recipients: List[List[str]] = []
        self._controller: Optional[Controller] = None

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's handler API)
        raw = envelope.content.decode() if isinstance(envelope.content, bytes) else envelope.content
        message = email.message_from_string(raw, policy=email.policy.default)
        self.recipients.append(list(envelope.rcpt_tos))
        self.add(Arrival(time.time(), raw, f"Subject: {message['Subject']}\n{message.get_content()}"))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class WebhookReceiver(Inbox):
    """The office's webhook: records each JSON POST as it arrives; answers with the statuses in
    `answers` first (then 200), and not at all while `hang` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: List[int] = []
        self.hang = threading.Event()
        self.bodies: List[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                body = json.loads(raw)
                receiver.bodies.append(body)
                receiver.add(Arrival(time.time(), raw, body.get("text", "")))
                while receiver.hang.is_set():
                    time.sleep(0.05)
                status = receiver.answers.pop(0) if receiver.answers else 200
                with contextlib.suppress(ConnectionError):  # the sender gave up waiting (a hung webhook)
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if status == 200 else b"server error")

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/crisis-alerts"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.hang.clear()
        self._server.shutdown()
        self._server.server_close()


@contextlib.contextmanager
def silent_mail_server(port: int):
    """A mail server that takes the connection and never says a word (a hung server)."""
    listener = socket.create_server(("127.0.0.1", port))
    try:
        yield
    finally:
        listener.close()


# --- the running system ---------------------------------------------------------------------------

class Office:
    """The assistant, the web app with alerts on, and the office's mailbox and webhook."""

    def __init__(self, work, assistant, mailbox: Mailbox, webhook: WebhookReceiver) -> None:
        self.work, self.assistant, self.mailbox, self.webhook = work, assistant, mailbox, webhook
        self.web_port = free_port()
        self.env = console_env(assistant.data_dir, extra={
            "ALERT_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}", "ALERT_EMAIL_TO": ON_CALL,
            "ALERT_WEBHOOK_URL": webhook.url, "STAFF_PUBLIC_URL": f"http://127.0.0.1:{self.web_port}",
            "STAFF_TIMEZONE": TIME_ZONE, "ALERT_RETRY_SECONDS": str(RETRY_SECONDS),
            "ALERT_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS)})
        create_staff(self.env)
        self.web = None
        self.start_web_app()
        self.counselor = signed_in(self.web.url, COUNSELOR)  # sessions are kept in the database
        self._senders = {}  # alert id -> REST sender, as the console resolves it

    def start_web_app(self) -> None:
        self.web = start_web_app(self.env, self.work / "logs", port=self.web_port, ready_path="/staff/login")

    def web_log(self) -> str:
        return self.web.log()

    def crisis(self, sender: str) -> tuple:
        """The person's crisis message: (when it was sent, seconds until the reply, the reply)."""
        sent = time.time()
        reply = self.assistant.send(sender, CRISIS_MESSAGE)
        return sent, time.time() - sent, texts(reply)

    def sender_of(self, arrival: Arrival) -> str:
        """Whose conversation an alert's link opens, for a signed-in counselor: the REST sender."""
        if arrival.alert_id not in self._senders:
            response = self.counselor.get(urlsplit(arrival.link).path)
            assert response.status_code == 302, response.text
            conversation = parse_qs(urlsplit(response.headers["Location"]).query)["id"][0]
            self._senders[arrival.alert_id] = id_in_channel("rest", conversation)
        return self._senders[arrival.alert_id]

    def queue_card(self, sender: str) -> str:
        queue = self.counselor.get("/staff/queue").text
        link = f"conversation?id={quote(rest_conversation(sender))}"
        return next(item for item in queue_items(queue) if link in item)

    def alerts_for(self, inbox: Inbox, sender: str) -> List[Arrival]:
        return [arrival for arrival in list(inbox.arrivals) if self.sender_of(arrival) == sender]

    def first_alert_for(self, inbox: Inbox, sender: str, after: float) -> Arrival:
        return inbox.wait_for(lambda arrival: arrival.at >= after and self.sender_of(arrival) == sender)

    def barrier(self) -> None:
        """Return once everything said so far has been summarised and alerted: a crisis in a new
        conversation, whose alerts come after those of every earlier event."""
        sender = "barrier-" + uuid.uuid4().hex[:8]
        sent, _, _ = self.crisis(sender)
        self.first_alert_for(self.mailbox, sender, sent)
        self.first_alert_for(self.webhook, sender, sent)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    work = tmp_path_factory.mktemp("crisis-alerts")
    mailbox, webhook = Mailbox(free_port()), WebhookReceiver()
    mailbox.start()
    assistant = start_assistant(work)
    try:
        running = Office(work, assistant, mailbox, webhook)
        yield running
        running.web.stop()
    finally:
        assistant.rasa.stop()
        assistant.actions.stop()
        mailbox.stop()
        webhook.stop()


def new_sender(kind: str) -> str:
    return f"alert-{kind}-{uuid.uuid4().hex[:10]}"


def assert_nothing_personal(arrival: Arrival, sender: str) -> None:
    assert CRISIS_MESSAGE not in arrival.raw.lower() and "kill" not in arrival.raw.lower()
    assert sender not in arrival.raw


# --- alerts -------------------------------------------------------------------------------------

def test_crisis_message_alerts_the_office_at_once_with_time_channel_and_link_only(office):
    sender = new_sender("first")
    sent, reply_seconds, reply = office.crisis(sender)
    assert "988" in reply  # the person is answered with the crisis line, not kept waiting for staff
    mail = office.first_alert_for(office.mailbox, sender, sent)
    hook = office.first_alert_for(office.webhook, sender, sent)
    print(f"\nreply {reply_seconds:.2f} s; message to alert: e-mail {mail.at - sent:.2f} s, "
          f"webhook {hook.at - sent:.2f} s")
    assert mail.at - sent < PROMPT_SECONDS and hook.at - sent < PROMPT_SECONDS

    # When, on which channel, in the office's time zone; to the on-call address.
    local = dt.datetime.fromtimestamp(sent, tz=zoneinfo.ZoneInfo(TIME_ZONE))
    for arrival in (mail, hook):
        said = re.search(r"Crisis flag raised in a conversation on the REST channel at "
                         r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (CST|CDT)\. Open the transcript: ", arrival.text)
        assert said, arrival.text
        raised = dt.datetime.strptime(said.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=local.tzinfo)
        assert abs((raised - local).total_seconds()) < 5
        assert_nothing_personal(arrival, sender)
    assert "Subject: Crisis flag raised in a conversation" in mail.text
    assert office.mailbox.recipients[office.mailbox.arrivals.index(mail)] == [ON_CALL]
    body = office.webhook.bodies[office.webhook.arrivals.index(hook)]
    assert body["channel"] == "rest" and body["transcript_url"] == hook.link and mail.link == hook.link

    # The link asks a visitor to sign in, then opens the transcript at the message.
    visitor = StaffClient(office.web.url)
    to_sign_in = visitor.get(urlsplit(mail.link).path)
    assert to_sign_in.status_code == 302
    assert to_sign_in.headers["Location"].startswith("/staff/login?next=/staff/alerts/")
    form = visitor.get(to_sign_in.headers["Location"]).text
    token = re.search(r'name="login_token" value="([^"]+)"', form).group(1)
    next_path = re.search(r'name="next" value="([^"]+)"', form).group(1)
    transcript = visitor.http.post(office.web.url + "/staff/login", timeout=60, data={
        "login_token": token, "username": COUNSELOR[0], "password": COUNSELOR[2], "next": next_path})
    assert transcript.status_code == 200 and urlsplit(transcript.url).path == "/staff/conversation"
    assert sender in transcript.text
    flagged = re.search(r'<li class="event user raised-flag" id="event-\d+">.*?</li>', transcript.text, re.S)
    assert flagged and CRISIS_MESSAGE in flagged.group(0) and "Raised the crisis flag" in flagged.group(0)
    # The queue tells staff that on-call has been alerted.
    card = office.queue_card(sender)
    assert re.search(r"On-call alert:\s+e-mail\s+sent <time[^>]*>[^<]+</time>;\s*webhook\s+sent <time", card), card


def test_one_alert_per_crisis_until_staff_handle_it_and_none_without_a_crisis(office):
    calm, repeated = new_sender("calm"), new_sender("repeated")
    for message in ("hi", "what is the difference between a job and a career"):
        office.assistant.send(calm, message)
    sent, _, _ = office.crisis(repeated)
    office.first_alert_for(office.webhook, repeated, sent)
    for message in (CRISIS_MESSAGE, "I want to end my life"):
        office.assistant.send(repeated, message)
    flags = [e for e in office.assistant.tracker(rest_conversation(repeated))["events"]
             if e["event"] == "slot" and e["name"] == "crisis_flag" and e["value"] is True]
    assert len(flags) == 3  # each message raised the flag again
    office.barrier()
    for inbox in (office.mailbox, office.webhook):
        assert office.alerts_for(inbox, calm) == []
        assert len(office.alerts_for(inbox, repeated)) == 1

    # Once staff have handled it, a new crisis in the same conversation alerts again.
    assert office.counselor.post("/staff/conversation/handled",
                                 {"sender_id": rest_conversation(repeated)}).status_code == 303
    again, _, _ = office.crisis(repeated)
    office.first_alert_for(office.mailbox, repeated, again)
    assert len(office.alerts_for(office.mailbox, repeated)) == 2


def test_failed_webhook_is_retried_and_logged_without_personal_data_and_the_email_not_resent(office):
    sender = new_sender("retry")
    office.webhook.answers[:] = [500]
    sent, _, _ = office.crisis(sender)
    first = office.first_alert_for(office.webhook, sender, sent)
    retried = office.webhook.wait_for(lambda arrival: arrival.alert_id == first.alert_id and arrival is not first)
    print(f"\nwebhook answered 500, then 200: delivered {retried.at - sent:.2f} s after the message "
          f"({retried.at - first.at:.2f} s after the first try)")
    assert retried.text == first.text and retried.at - first.at >= RETRY_SECONDS * 0.9
    office.barrier()
    assert len(office.webhook.about(first.alert_id)) == 2
    assert len(office.mailbox.about(first.alert_id)) == 1  # the e-mail had gone: not sent again
    log = office.web_log()
    assert f"Crisis alert {first.alert_id} by webhook failed (attempt 1: HTTP 500); trying again" in log
    assert f"Crisis alert {first.alert_id} sent by webhook (attempt 2)" in log
    assert sender not in log and CRISIS_MESSAGE not in log and "hooks/crisis-alerts" not in log


def test_email_goes_out_once_the_mail_server_is_back_even_after_a_restart(office):
    sender = new_sender("mail-down")
    office.mailbox.stop()
    try:
        sent, _, _ = office.crisis(sender)
        hook = office.first_alert_for(office.webhook, sender, sent)
        failure = f"Crisis alert {hook.alert_id} by email failed (attempt 1: Connection refused)"
        deadline = time.monotonic() + 30
        while failure not in office.web_log():
            assert time.monotonic() < deadline, office.web_log()[-2000:]
            time.sleep(0.2)
        assert re.search(r"e-mail\s+<strong>not delivered yet</strong> \(\d+ failed attempts?, retrying\);\s*"
                         r"webhook\s+sent", office.queue_card(sender)), office.queue_card(sender)
        # The web app stops with the e-mail still owed, and starts again.
        office.web.stop()
        office.start_web_app()
    finally:
        office.mailbox.start()
    mail = office.mailbox.wait_for(lambda arrival: arrival.alert_id == hook.alert_id)
    print(f"\nmail server down, web app restarted: e-mail delivered {mail.at - sent:.2f} s after the message")
    assert office.sender_of(mail) == sender
    assert re.search(r"e-mail\s+sent <time", office.queue_card(sender))
    office.barrier()
    assert len(office.webhook.about(hook.alert_id)) == 1 and len(office.mailbox.about(hook.alert_id)) == 1


def test_reply_is_not_delayed_when_both_alert_destinations_hang(office):
    _, healthy_seconds, _ = office.crisis(new_sender("healthy"))
    office.barrier()
    sender = new_sender("hung")
    office.mailbox.stop()
    office.webhook.hang.set()
    try:
        with silent_mail_server(office.mailbox.port):
            sent, hung_seconds, reply = office.crisis(sender)
            hook = office.first_alert_for(office.webhook, sender, sent)  # arrived, left unanswered
            started = time.time()
            queue = signed_in(office.web.url, COUNSELOR).get("/staff/queue")  # a new sign-in: argon2 and all
            console_seconds = time.time() - started
            print(f"\nreply with healthy alert destinations {healthy_seconds:.2f} s, with both hanging "
                  f"{hung_seconds:.2f} s; console sign-in and queue {console_seconds:.2f} s meanwhile")
            assert "988" in reply
            assert hung_seconds < TIMEOUT_SECONDS and hung_seconds < healthy_seconds + 1.0
            assert queue.status_code == 200 and sender in queue.text and console_seconds < TIMEOUT_SECONDS
            time.sleep(TIMEOUT_SECONDS + 0.5)  # both attempts time out
    finally:
        office.webhook.hang.clear()
        office.mailbox.start()
    office.mailbox.wait_for(lambda arrival: arrival.alert_id == hook.alert_id)
    assert f"Crisis alert {hook.alert_id} by email failed (attempt 1: connection closed: timed out)" in office.web_log()
    assert f"Crisis alert {hook.alert_id} by webhook failed (attempt 1: timed out)" in office.web_log()


def test_alerts_go_out_and_are_retried_with_the_tracker_store_on_postgresql(tmp_path):
    mailbox, webhook = Mailbox(free_port()), WebhookReceiver()
    mailbox.start()
    webhook.answers[:] = [500]
    settings = {"ALERT_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}", "ALERT_EMAIL_TO": ON_CALL,
                "ALERT_WEBHOOK_URL": webhook.url, "ALERT_RETRY_SECONDS": str(RETRY_SECONDS)}
    try:
        with seeded_console("postgresql", tmp_path, _seed()[:1], settings) as (base_url, database_url, _):
            written = time.time()
            ev.store(database_url, [ev.Conversation("pg-crisis", written).add(
                ev.user(CRISIS_MESSAGE, "crisis", 0.99, channel="telegram"), ev.slot("crisis_flag", True))])
            mail = mailbox.wait_for(lambda arrival: True)
            retried = webhook.wait_for(lambda arrival: arrival is not webhook.arrivals[0])
            print(f"\nPostgreSQL: events written to e-mail {mail.at - written:.2f} s, "
                  f"to webhook (500, then 200) {retried.at - written:.2f} s")
            assert "on Telegram at" in mail.text and mail.alert_id == retried.alert_id
            assert [arrival.alert_id for arrival in webhook.arrivals] == [mail.alert_id] * 2
            opened = signed_in(base_url, COUNSELOR).get(urlsplit(mail.link).path)
            assert opened.headers["Location"].startswith("/staff/conversation?id=pg-crisis#event-")
            assert len(mailbox.arrivals) == 1
    finally:
        mailbox.stop()
        webhook.stop()


# --- the console: crisis conversations in the queue and the transcript ------------------------

NOW = time.time()
DAY = 86400


def _seed():
    return [
        ev.Conversation("old-handoff", NOW - 3 * DAY).add(
            *ev.session_start(), ev.user("can I talk to a person", "request_human"),
            ev.slot("contact_name", "Robin"), ev.slot("contact_detail", "robin@example.com"),
            ev.slot("handoff_requested", True), ev.bot("A counselor will contact you.")),
        ev.Conversation("new-crisis", NOW - 120).add(
            *ev.session_start(), ev.user("hi there", "greet"), ev.bot("Hi! I'm a career assistant."),
            ev.user("I lost my job and I want to kill myself, call me at 217-555-0134", "crisis", 0.99,
                    channel="socketio"),
            ev.slot("crisis_flag", True), ev.action("utter_crisis"), ev.bot("Call or text 988, any time."),
            ev.user("I want to end my life", "crisis", 0.98, channel="socketio"), ev.slot("crisis_flag", True)),
    ]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request, tmp_path_factory):
    with seeded_console(request.param, tmp_path_factory.mktemp(f"crisis-console-{request.param}"), _seed()) \
            as (base_url, database_url, _):
        yield base_url, database_url


def queue_items(page: str) -> List[str]:
    return re.findall(r'<li class="queue-item.*?</li>\n', page, re.S)


def queue_order(page: str) -> List[str]:
    return [re.search(r'conversation\?id=([^"&#]+)', item).group(1) for item in queue_items(page)]


def flagging_event_id(database_url: str, sender: str, text_start: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(
                "SELECT id FROM events WHERE sender_id = :s AND type_name = 'user' AND data LIKE :t ORDER BY id"),
                {"s": sender, "t": f'%"text": "{text_start}%'}).scalar()
    finally:
        engine.dispose()


def test_crisis_conversations_lead_the_queue_and_their_card_quotes_the_flagging_message(console):
    base_url, database_url = console
    page = signed_in(base_url, COUNSELOR).get("/staff/queue").text
    assert queue_order(page) == ["new-crisis", "old-handoff"]  # the crisis is two minutes old, the handoff three days
    crisis = queue_items(page)[0]
    assert "Raised the crisis flag:</span> “I lost my job and I want to kill myself, call me at [phone]”" in crisis
    assert "hi there" not in crisis and "I want to end my life" not in crisis and "217-555-0134" not in crisis
    event_id = flagging_event_id(database_url, "new-crisis", "I lost my job")
    assert f'href="/staff/conversation?id=new-crisis#event-{event_id}"' in crisis


def test_transcript_marks_the_message_that_raised_the_flag(console):
    base_url, database_url = console
    page = signed_in(base_url, COUNSELOR).get("/staff/conversation?id=new-crisis").text
    marked = re.findall(r'<li class="event user raised-flag" id="event-(\d+)">(.*?)</li>', page, re.S)
    assert len(marked) == 1
    event_id, item = marked[0]
    assert int(event_id) == flagging_event_id(database_url, "new-crisis", "I lost my job")
    assert "Raised the crisis flag" in item and "I lost my job and I want to kill myself" in item
    assert f'<li class="event user" id="event-' in page  # the other messages, unmarked


def test_queue_updates_for_open_pages_without_a_reload(console):
    base_url, database_url = console
    counselor = signed_in(base_url, COUNSELOR)
    page = counselor.get("/staff/queue").text
    fingerprint = re.search(r'data-live-fingerprint="([0-9a-f]+)"', page).group(1)
    badge = int(re.search(r'id="follow-up-count" data-count="(\d+)"', page).group(1))
    assert counselor.get(f"/staff/queue/live?list={fingerprint}").json() == {"pending": badge, "list": fingerprint}
    sender = "live-" + uuid.uuid4().hex[:8]
    ev.store(database_url, [ev.Conversation(sender, time.time() - 5).add(
        *ev.session_start(), ev.user("everything feels hopeless", "crisis", 0.97), ev.slot("crisis_flag", True))])
    update = counselor.get(f"/staff/queue/live?list={fingerprint}").json()
    assert update["pending"] == badge + 1 and update["list"] != fingerprint
    assert queue_order(update["html"]) == ["new-crisis", sender, "old-handoff"]  # a crisis: before the handoff
    assert counselor.get("/staff/queue/live").json() == {"pending": badge + 1}  # the badge on other pages
    assert counselor.post("/staff/conversation/handled", {"sender_id": sender}).status_code == 303


def test_a_page_updating_itself_does_not_keep_an_idle_console_signed_in(console):
    base_url, database_url = console
    counselor = signed_in(base_url, COUNSELOR)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:  # the last click was almost the idle timeout ago
        connection.execute(sa.text("UPDATE console_sessions SET last_seen = :t"),
                           {"t": time.time() - IDLE_TIMEOUT_SECONDS + 2})
    engine.dispose()
    assert counselor.get("/staff/queue/live").status_code == 200
    time.sleep(3)  # only the page's own updates since
    ended = counselor.get("/staff/queue/live")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/staff/login")


def test_alert_link_opens_the_transcript_for_signed_in_staff_and_is_audited(console):
    base_url, database_url = console
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        alert_id = connection.execute(sa.text("SELECT id FROM console_alerts WHERE sender_id = 'new-crisis'")).scalar()
    engine.dispose()
    assert StaffClient(base_url).get(f"/staff/alerts/{alert_id}").headers["Location"] == \
        f"/staff/login?next=/staff/alerts/{alert_id}"
    counselor = signed_in(base_url, COUNSELOR)
    opened = counselor.get(f"/staff/alerts/{alert_id}")
    event_id = flagging_event_id(database_url, "new-crisis", "I lost my job")
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/staff/conversation?id=new-crisis#event-{event_id}"
    assert counselor.get("/staff/alerts/" + "0" * 32).status_code == 404
    admin = signed_in(base_url, ADMIN)
    audit = admin.get(f"/staff/audit?actor={COUNSELOR[0]}&action=view").text
    assert "new-crisis" in audit and alert_id in audit
    # Deleting everything about the person on request takes the alert with it.
    assert admin.post("/staff/requests/delete", {"sender_id": "new-crisis", "confirm_sender_id": "new-crisis"}
                      ).status_code == 303
    assert counselor.get(f"/staff/alerts/{alert_id}").status_code == 404


@pytest.mark.parametrize("variables, message", [
    ({"ALERT_SMTP_URL": "smtp://alerts:hunter2@mail.example.org:99999", "ALERT_EMAIL_TO": ON_CALL},
     "ALERT_SMTP_URL cannot be used: its port is not a number from 1 to 65535"),
    ({"ALERT_SMTP_URL": "smtp://mail.example.org"}, "ALERT_SMTP_URL is set but ALERT_EMAIL_TO is not"),
    ({"ALERT_SMTP_URL": "smtp://mail.example.org", "ALERT_EMAIL_TO": "on-call"},
     "ALERT_EMAIL_TO 'on-call' is not an e-mail address"),
    ({"ALERT_WEBHOOK_URL": "hooks.example.org/services/hunter2"},
     "ALERT_WEBHOOK_URL must be an http:// or https:// URL with a host name"),
    ({"ALERT_RETRY_SECONDS": "soon"}, "ALERT_RETRY_SECONDS 'soon' must be a number greater than 0"),
])
def test_a_malformed_alert_setting_stops_the_web_app_with_a_clear_message(tmp_path, variables, message):
    env = console_env(tmp_path, extra=variables)
    started = subprocess.run([sys.executable, "-m", "careerbot.web", "--port", str(free_port())], env=env,
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 2 and f"error: {message}" in started.stderr
    assert "hunter2" not in started.stderr + started.stdout  # a secret in the value is never printed
