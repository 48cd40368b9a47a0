"""A counselor's day in Chromium: sign in, follow-up queue, filter, transcript, note, review,
export; and message text that looks like HTML stays text.

Debian's chromium driven by Playwright, against the real web app reading the tracker store of the
running bot. Screenshots go to test-output/staff-list.png and test-output/staff-transcript.png.
"""
from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pytest
from playwright.sync_api import expect, sync_playwright

from careerbot.settings import PROJECT_ROOT
from tests.support.servers import rest_conversation
from tests.support.staff import COUNSELOR, console_env, create_staff, start_staff_web_app

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
OUTPUT = PROJECT_ROOT / "test-output"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def console(assistant, tmp_path_factory):
    """The web app on the session bot's tracker store, with conversations held through the bot."""
    work = tmp_path_factory.mktemp("staff-browser")
    env = console_env(assistant.data_dir)
    create_staff(env)
    senders = {"handoff": "browser-handoff-" + uuid.uuid4().hex[:6], "xss": "browser-xss-" + uuid.uuid4().hex[:6],
               "career": "browser-career-" + uuid.uuid4().hex[:6]}
    for message in ("can I talk to a person", "yes", "Thaddeus Lee", "thaddeus.lee@example.com", "yes"):
        assistant.send(senders["handoff"], message)
    assistant.send(senders["xss"], XSS)
    for message in ("hi", "what is the difference between a job and a career"):
        assistant.send(senders["career"], message)
    web = start_staff_web_app(env, work / "logs")
    yield web.url, senders
    web.stop()


@pytest.fixture()
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
        yield context.new_page()
        context.close()
        browser.close()


def transcript_link(sender: str) -> str:
    """The console's link to a REST sender's conversation."""
    return f'a[href="/staff/conversation?id={quote(rest_conversation(sender))}"]'


def sign_in(page, base_url):
    page.goto(base_url + "/staff")
    expect(page).to_have_url(base_url + "/staff/login?next=/staff")
    page.get_by_label("Username").fill(COUNSELOR[0])
    page.get_by_label("Password").fill(COUNSELOR[2])
    page.get_by_role("button", name="Sign in").click()


def test_counselor_works_through_queue_list_and_transcript(console, page):
    base_url, senders = console
    OUTPUT.mkdir(exist_ok=True)
    sign_in(page, base_url)

    # The follow-up queue comes first: who waits and that an address was left, not the address.
    expect(page).to_have_url(base_url + "/staff/queue")
    expect(page.get_by_role("heading", name="Follow-up queue")).to_be_visible()
    entry = page.locator("li.queue-item", has=page.locator(transcript_link(senders["handoff"])))
    expect(entry).to_contain_text("Thaddeus Lee")
    expect(entry).to_contain_text("E-mail address left")
    expect(entry).not_to_contain_text("thaddeus.lee@example.com")

    # The list, then a filter through the form.
    page.get_by_role("link", name="Conversations", exact=True).click()
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()
    career_row = page.locator("table.conversations tbody tr",
                              has=page.locator(transcript_link(senders["career"])))
    expect(career_row).to_contain_text("ask_job_vs_career")
    page.screenshot(path=str(OUTPUT / "staff-list.png"), full_page=True)
    page.get_by_label("Search messages").fill("Thaddeus")
    page.get_by_label("Handoff").select_option("yes")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/staff/conversations\?q=Thaddeus&.*handoff=yes"))
    rows = page.locator("table.conversations tbody tr")
    expect(rows).to_have_count(1)
    expect(page.locator(".result-count")).to_contain_text("Showing 1–1 of 1 conversation matching the filters")

    # Export the filtered set.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    exported = download_info.value.path().read_text()
    assert senders["handoff"] in exported and senders["career"] not in exported
    assert "thaddeus.lee@example.com" not in exported and "[email]" in exported

    # The transcript: add a note, mark reviewed.
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Conversation")).to_contain_text(senders["handoff"])
    expect(page.locator(".event.user .bubble").first).to_have_text("can I talk to a person")
    expect(page.get_by_text("intent: request_human").first).to_be_visible()
    expect(page.locator("#callback")).to_contain_text("thaddeus.lee@example.com")  # the case is opened
    page.get_by_label("Add a note").fill("Called Thaddeus, left a message.")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator(".notice")).to_have_text("Note added.")
    expect(page.locator(".note-body")).to_have_text("Called Thaddeus, left a message.")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.locator(".notice")).to_have_text("Marked as reviewed.")
    expect(page.locator("#review-h + p .badge-reviewed")).to_have_text("Reviewed")
    page.screenshot(path=str(OUTPUT / "staff-transcript.png"), full_page=True)
    # The filters survive the round trip through the forms: "Conversation list" goes back to them.
    page.get_by_role("link", name="← Conversation list").click()
    expect(page).to_have_url(f"{base_url}/staff/conversations?handoff=yes&q=Thaddeus")
    expect(page.locator("table.conversations tbody tr")).to_have_count(1)
    expect(page.locator("table.conversations tbody tr").first).to_contain_text("Reviewed")


def test_html_in_a_message_is_shown_as_text(console, page):
    base_url, senders = console
    OUTPUT.mkdir(exist_ok=True)
    sign_in(page, base_url)
    page.goto(f"{base_url}/staff/conversation?id={quote(rest_conversation(senders['xss']))}")
    expect(page.get_by_text("intent:").first).to_be_visible()
    bubble = page.locator(".event.user .bubble").first
    expect(bubble).to_have_text(XSS)  # the tags are characters on the page, not elements
    expect(bubble).to_be_visible()
    assert bubble.locator("script, img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    page.screenshot(path=str(OUTPUT / "staff-transcript-xss.png"), full_page=True)
    # The list shows the first message as text too.
    page.goto(f"{base_url}/staff/conversations?q=xss")
    expect(page.locator("td.preview-cell").first).to_have_text(XSS)
    assert page.evaluate("typeof window.__xss") == "undefined"
