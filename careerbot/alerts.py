"""Crisis alerts to the office: an e-mail to the on-call address and/or a POST to a webhook (Slack,
Teams or the office's own system) as soon as a conversation's crisis flag is raised.

The summary sync records each alert in the database (careerbot/console/alerts.py); the web app,
the one process every topology runs exactly once, sends it from here. An alert says when and on
which channel, and links to the transcript through an opaque alert id; it never carries the
person's words or anything that identifies them, because e-mail and chat services are not a safe
place for either. Sending happens on worker threads with a timeout on every network call, so a
destination that hangs holds up nothing but its own alert; a failure is logged and retried with a
growing wait until ALERT_RETRY_HOURS after the message, and an alert pending when the process stops
is sent after it starts again.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import re
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Optional, Set
from urllib.parse import urlsplit

from careerbot.console import alerts as outbox
from careerbot.console.db import Database
from careerbot.settings import AlertSettings, SmtpServer

logger = logging.getLogger(__name__)

# Deliveries tried at once; the rest wait for a free one (a hanging destination holds at most these).
MAX_IN_FLIGHT = 4
# The wait after a failure doubles from ALERT_RETRY_SECONDS up to this.
MAX_RETRY_WAIT_SECONDS = 1800.0
# How often the outbox is looked at without being woken: alerts recorded by another process (the
# `careerbot.console sync` command) and a database that was away are noticed within this time.
LOOK_AGAIN_SECONDS = 30.0
MIN_WAIT_SECONDS = 0.05
EMAIL_SUBJECT = "Crisis flag raised in a conversation"
# How a channel is named in an alert; the console shows the same conversations under these ids.
CHANNEL_NAMES = {"socketio": "the website chat", "rest": "the REST channel", "telegram": "Telegram",
                 "slack": "Slack"}


class AlertDeliveryError(Exception):
    """A destination that cannot be used as configured; the message is safe to log."""


# --- what an alert says ------------------------------------------------------------------------

def channel_name(channel: Optional[str]) -> str:
    if channel in CHANNEL_NAMES:
        return CHANNEL_NAMES[channel]
    return re.sub(r"[^\w-]", "", channel or "")[:32] or "an unknown channel"


def transcript_link(settings: AlertSettings, alert_id: str) -> str:
    """The console page that signs staff in and opens the transcript; the id is opaque on purpose."""
    return f"{settings.staff_public_url}/staff/alerts/{alert_id}"


def alert_text(settings: AlertSettings, delivery: outbox.Delivery) -> str:
    raised = dt.datetime.fromtimestamp(delivery.raised_at, tz=settings.time_zone)
    return (f"Crisis flag raised in a conversation on {channel_name(delivery.channel)} at "
            f"{raised:%Y-%m-%d %H:%M:%S %Z}. Open the transcript: {transcript_link(settings, delivery.alert_id)}")


def alert_email(settings: AlertSettings, delivery: outbox.Delivery) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = EMAIL_SUBJECT
    message["From"] = settings.email_from
    message["To"] = ", ".join(settings.email_to)
    message["Date"] = format_datetime(dt.datetime.now(tz=dt.timezone.utc))
    # make_msgid's default domain is a DNS lookup of this machine's name, which can hang.
    message["Message-ID"] = make_msgid(domain=urlsplit(settings.staff_public_url).hostname)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(
        f"{alert_text(settings, delivery)}\n\n"
        "This alert holds no message text or personal details on purpose: sign in to the staff "
        "console to read the conversation.\n")
    return message


def webhook_body(settings: AlertSettings, delivery: outbox.Delivery) -> dict:
    """`text` is what Slack and Teams incoming webhooks show; the other fields are for the office's
    own systems, and are as free of personal data as the text."""
    return {
        "text": alert_text(settings, delivery),
        "event": "crisis_flag_raised",
        "alert_id": delivery.alert_id,
        "channel": delivery.channel,
        "raised_at": dt.datetime.fromtimestamp(delivery.raised_at, tz=dt.timezone.utc).isoformat(),
        "transcript_url": transcript_link(settings, delivery.alert_id),
    }


# --- sending -----------------------------------------------------------------------------------

def send_email(server: SmtpServer, message: EmailMessage, timeout: float) -> None:
    context = ssl.create_default_context()
    # smtplib's default HELO name is a DNS lookup of this machine's name, which can hang.
    helo_name = socket.gethostname()
    if server.implicit_tls:
        connection = smtplib.SMTP_SSL(server.host, server.port, local_hostname=helo_name, timeout=timeout,
                                      context=context)
    else:
        connection = smtplib.SMTP(server.host, server.port, local_hostname=helo_name, timeout=timeout)
    with connection:
        connection.ehlo()
        encrypted = server.implicit_tls
        if not encrypted and connection.has_extn("starttls"):
            connection.starttls(context=context)
            connection.ehlo()
            encrypted = True
        if server.username:
            if not encrypted:
                raise AlertDeliveryError("the SMTP server offered no STARTTLS, and the password is never "
                                         "sent unencrypted: use smtps:// or a server that offers STARTTLS")
            connection.login(server.username, server.password)
        connection.send_message(message)


def post_webhook(url: str, body: dict, timeout: float) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "career-assistant-alerts"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # 4xx and 5xx raise HTTPError
        response.read(65536)


def describe_failure(error: BaseException) -> str:
    """What went wrong, for the log and the outbox: the kind of failure and its code, never the text
    of an error message, which can hold the webhook's secret URL or the server's reply."""
    if isinstance(error, AlertDeliveryError):
        return str(error)
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException):
        return describe_failure(error.reason)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP {error.smtp_code}"
    if isinstance(error, smtplib.SMTPServerDisconnected) and isinstance(error.__context__, OSError):
        return "connection closed: " + describe_failure(error.__context__)  # smtplib's word for a timeout
    if isinstance(error, TimeoutError):  # socket.timeout too
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__


class AlertSender:
    """Delivers the outbox's pending alerts: at once when woken, else when a retry is due."""

    def __init__(self, db: Database, settings: AlertSettings) -> None:
        self.db = db
        self.settings = settings
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alerts-db")
        self._network = ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT, thread_name_prefix="alerts-send")
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._wake = asyncio.Event()
        self._in_flight: Set[asyncio.Task] = set()
        # A delivery being tried is not due again before this: longer than the SMTP conversation's
        # few timed steps can take, so that only a process that died mid-send leaves one to retry.
        self._lease_seconds = max(60.0, 10 * settings.timeout_seconds)

    def wake(self) -> None:
        """Look for alerts to send now. Safe to call from any thread (the summary sync's)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        destinations = self.settings.destinations
        if not destinations:
            logger.warning("Crisis alerts are off: set ALERT_SMTP_URL and ALERT_EMAIL_TO, or ALERT_WEBHOOK_URL. "
                           "Crisis conversations still lead the follow-up queue.")
            return
        logger.info("Crisis alerts go by %s.", " and ".join(destinations))
        self._loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    next_due = await self._start_due_deliveries()
                except asyncio.CancelledError:
                    raise
                except Exception:  # the database may be restarting: look again soon
                    logger.exception("Looking for crisis alerts to send failed")
                    next_due = None
                wait = LOOK_AGAIN_SECONDS if next_due is None else next_due - time.time()
                try:
                    await asyncio.wait_for(self._wake.wait(), min(max(wait, MIN_WAIT_SECONDS), LOOK_AGAIN_SECONDS))
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()
        finally:
            for task in list(self._in_flight):
                task.cancel()

    def close(self) -> None:
        self._network.shutdown(wait=False, cancel_futures=True)
        self._database.shutdown(wait=True)

    async def _in_database(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self._database, functools.partial(function, *args))

    async def _start_due_deliveries(self) -> Optional[float]:
        """Start sending what is due; return when the next pending delivery is due (None: none is)."""
        window_start = time.time() - self.settings.retry_hours * 3600
        await self._in_database(outbox.add_deliveries, self.db, self.settings.destinations, window_start)
        free = MAX_IN_FLIGHT - len(self._in_flight)
        if free <= 0:
            return None  # each delivery that finishes wakes the loop
        for delivery in await self._in_database(outbox.claim_due, self.db, free, self._lease_seconds):
            task = asyncio.ensure_future(self._attempt(delivery))
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
        return await self._in_database(outbox.next_attempt_at, self.db)

    def _finished(self, task: asyncio.Task) -> None:
        self._in_flight.discard(task)
        self._wake.set()

    async def _attempt(self, delivery: outbox.Delivery) -> None:
        attempt = delivery.attempts + 1
        try:
            await asyncio.get_running_loop().run_in_executor(self._network, self._send, delivery)
        except Exception as error:  # every failure is retried: a destination may come back
            failure = describe_failure(error)
            retry_at = self._retry_time(delivery)
            await self._in_database(outbox.record_attempt, self.db, delivery, failure, retry_at)
            if retry_at is None:
                logger.error("Crisis alert %s by %s failed (attempt %d: %s); gave up %g hours after the message. "
                             "The conversation leads the console's follow-up queue.", delivery.alert_id,
                             delivery.destination, attempt, failure, self.settings.retry_hours)
            else:
                logger.warning("Crisis alert %s by %s failed (attempt %d: %s); trying again in %.1f s.",
                               delivery.alert_id, delivery.destination, attempt, failure, retry_at - time.time())
            return
        await self._in_database(outbox.record_attempt, self.db, delivery, None, None)
        logger.info("Crisis alert %s sent by %s (attempt %d), %.2f s after the message.", delivery.alert_id,
                    delivery.destination, attempt, time.time() - delivery.raised_at)

    def _send(self, delivery: outbox.Delivery) -> None:
        if delivery.destination == "email" and self.settings.smtp is not None:
            send_email(self.settings.smtp, alert_email(self.settings, delivery), self.settings.timeout_seconds)
        elif delivery.destination == "webhook" and self.settings.webhook_url:
            post_webhook(self.settings.webhook_url, webhook_body(self.settings, delivery),
                         self.settings.timeout_seconds)
        else:
            raise AlertDeliveryError(f"the {delivery.destination} destination is no longer configured")

    def _retry_time(self, delivery: outbox.Delivery) -> Optional[float]:
        """When to try again after a failure (None: the retry period is over)."""
        wait = min(self.settings.retry_seconds * 2 ** delivery.attempts, MAX_RETRY_WAIT_SECONDS)
        retry_at = time.time() + wait
        return retry_at if retry_at <= delivery.raised_at + self.settings.retry_hours * 3600 else None
