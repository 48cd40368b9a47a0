"""A counselor with the console open in Chromium sees a new crisis arrive without reloading: first
in the follow-up queue, quoting the message that raised the flag, and the badge count going up on
every page; the card opens the transcript at that message.

Debian's chromium driven by Playwright, against the real web app over a tracker store into which
conversations are written as Rasa writes them (tests/support/rasa_events.py). Screenshot:
test-output/staff-queue-crisis.png.
"""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.support import rasa_events as ev
from tests.support.staff import seeded_console
from tests.test_staff_browser import OUTPUT, page, sign_in  # noqa: F401  (page is a fixture)

# live.js polls every 5 s: a change shows within one poll, plus the time to summarise it.
SHOWS_WITHIN_MS = 12_000


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """The web app over a tracker store holding one old handoff request."""
    handoff = ev.Conversation("waiting-handoff", time.time() - 2 * 86400).add(
        *ev.session_start(), ev.user("can I talk to a person", "request_human"),
        ev.slot("contact_name", "Robin"), ev.slot("handoff_requested", True), ev.bot("A counselor will contact you."))
    with seeded_console("sqlite", tmp_path_factory.mktemp("crisis-queue-browser"), [handoff]) as (base_url, url, _):
        yield base_url, url


def crisis(sender: str, flagging_message: str) -> ev.Conversation:
    return ev.Conversation(sender, time.time() - 10).add(
        *ev.session_start(), ev.user("hello", "greet"), ev.bot("Hi! I'm a career assistant."),
        ev.user(flagging_message, "crisis", 0.99, channel="socketio"), ev.slot("crisis_flag", True),
        ev.bot("Call or text 988, any time."))


def test_new_crisis_appears_first_and_the_badge_counts_it_without_a_reload(console, page):
    base_url, database_url = console
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in(page, base_url)
    expect(page).to_have_url(base_url + "/staff/queue")
    badge = page.locator("#follow-up-count")
    expect(badge).to_have_text("1")
    page.evaluate("window.__stillTheSamePage = true")

    ev.store(database_url, [crisis("browser-crisis-1", "I can't take this anymore, I want to die")])
    first = page.locator("li.queue-item").first
    expect(first).to_contain_text("Raised the crisis flag: “I can't take this anymore, I want to die”",
                                  timeout=SHOWS_WITHIN_MS)
    expect(first).not_to_contain_text("hello")
    expect(page.locator("li.queue-item")).to_have_count(2)
    expect(page.locator("li.queue-item").nth(1)).to_contain_text("Robin")  # the older handoff, second
    expect(badge).to_have_text("2")
    expect(page.locator("#live-status")).to_have_text("Follow-up queue: 2 waiting.")
    assert page.evaluate("window.__stillTheSamePage") is True  # no reload happened

    # The badge on another page counts the next one too.
    page.get_by_role("link", name="Conversations", exact=True).click()
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()
    page.evaluate("window.__stillTheSamePage = true")
    ev.store(database_url, [crisis("browser-crisis-2", "everything feels hopeless")])
    expect(badge).to_have_text("3", timeout=SHOWS_WITHIN_MS)
    assert page.evaluate("window.__stillTheSamePage") is True

    # The card opens the transcript at the message that raised the flag.
    page.get_by_role("link", name="Follow-up queue").click()
    page.locator("li.queue-item", has_text="I want to die").get_by_role("link", name="Open transcript").click()
    expect(page).to_have_url(re.compile(r"/staff/conversation\?id=browser-crisis-1#event-\d+$"))
    flagged = page.locator("li.event.user.raised-flag")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Raised the crisis flag")
    expect(flagged.locator(".bubble")).to_have_text("I can't take this anymore, I want to die")
    expect(flagged).to_be_in_viewport()
    assert page.evaluate("location.hash") == "#" + flagged.get_attribute("id")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "staff-queue-crisis.png"), full_page=False)
    assert refused == []  # the console's strict Content-Security-Policy allows the update script
