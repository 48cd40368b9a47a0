"""The chat widget in Debian's Chromium, on the demo page, talking to the real assistant.

The web app and the Rasa server run on different ports, so the widget's socket.io connection is
cross-origin, as on an office's site; the Rasa server allows only the web app's origin.
Screenshots of the open widget go to test-output/.
"""
from __future__ import annotations

import contextlib
import os
import re
from typing import Optional

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from careerbot.settings import PROJECT_ROOT
from tests.support.servers import (Assistant, base_env, free_port, start_action_server,
                                   start_rasa_server, start_web_app, widget_conversation)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = PROJECT_ROOT / "test-output"
REPLY_TIMEOUT_MS = 30_000
QUIET_AFTER_LAST_REPLY_MS = 1_000
GREETING = "Hi! I'm a career assistant"
FALLBACKS = ("Sorry, I can't help with that", "Sorry, I lost track there")
DESKTOP = {"width": 1280, "height": 800}
# The browser's language decides the widget's at first; these tests read it in English. The
# accessible names the helpers below find the widget's parts by, in each of its languages
# (STRINGS in careerchat.js); tests/test_widget_spanish_browser.py uses the Spanish ones.
BROWSER_LOCALE = "en-US"
NAMES = {
    "en": {"conversation": "Conversation", "message box": "Your message",
           "suggested replies": "Suggested replies"},
    "es": {"conversation": "Conversación", "message box": "Tu mensaje",
           "suggested replies": "Respuestas sugeridas"},
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """The assistant, started as `make run` starts it, and the web app serving the demo page."""
    work_dir = tmp_path_factory.mktemp("widget")
    logs = work_dir / "logs"
    web_port = free_port()
    web_origin = f"http://127.0.0.1:{web_port}"
    env = base_env(work_dir / "var", {"WIDGET_ALLOWED_ORIGINS": web_origin})
    actions = start_action_server(env, logs)
    env["ACTION_SERVER_URL"] = f"{actions.url}/webhook"
    token = "test-" + os.urandom(8).hex()
    started = [actions]
    try:
        # careerbot/launcher.py passes --cors with the web app's origin: Sanic-CORS must not
        # spoil the socket.io channel's own CORS answers.
        rasa = start_rasa_server(env, logs, token, extra_args=["--cors", web_origin])
        started.append(rasa)
        web_app = start_web_app(base_env(work_dir / "var", {"RASA_PUBLIC_URL": rasa.url}), logs,
                                port=web_port)
        started.append(web_app)
        yield Assistant(rasa, actions, token, work_dir / "var", env), web_app
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def demo_page(browser, servers, viewport: dict = DESKTOP, locale: str = BROWSER_LOCALE):
    """A fresh tab (empty sessionStorage) on the demo page, in a browser whose language is
    `locale`; fails the test on any script error."""
    context = browser.new_context(viewport=viewport, locale=locale)
    tab = context.new_page()
    script_errors = []
    tab.on("pageerror", lambda error: script_errors.append(str(error)))
    tab.goto(servers[1].url + "/")
    expect(launcher(tab)).to_be_visible()
    yield tab
    context.close()
    assert script_errors == []


@pytest.fixture
def page(browser, servers, request):
    with demo_page(browser, servers, getattr(request, "param", DESKTOP)) as tab:
        yield tab


def launcher(page: Page) -> Locator:
    return page.locator(".cc-launcher")


# `language`: the language the widget is showing its own words in.

def widget_name(key: str, language: Optional[str]):
    """The widget's name for a part in `language`, or, for None, in whichever language it shows
    (a conversation that changes language mid-way)."""
    if language is not None:
        return NAMES[language][key]
    return re.compile("^(" + "|".join(re.escape(names[key]) for names in NAMES.values()) + ")$")


def conversation(page: Page, language: Optional[str] = "en") -> Locator:
    return page.get_by_role("log", name=widget_name("conversation", language))


def message_box(page: Page, language: Optional[str] = "en") -> Locator:
    return page.get_by_label(widget_name("message box", language))


def bot_messages(page: Page, language: Optional[str] = "en") -> Locator:
    return conversation(page, language).locator(".cc-bot")


def quick_reply(page: Page, title: str, language: str = "en") -> Locator:
    return page.get_by_role("group", name=NAMES[language]["suggested replies"]).get_by_role(
        "button", name=title, exact=True)


def say(page: Page, text: str, language: str = "en") -> str:
    """Type a message, send it with Enter, wait for the bot's answer; return the answer's text."""
    answered = bot_messages(page, language).count()
    message_box(page, language).fill(text)
    message_box(page, language).press("Enter")
    return next_answer(page, answered, language)


def next_answer(page: Page, answered_before: int, language: Optional[str] = "en") -> str:
    """The text of the bot messages after the first `answered_before`, once the turn is over."""
    messages = bot_messages(page, language)
    expect(messages).not_to_have_count(answered_before, timeout=REPLY_TIMEOUT_MS)
    # Rasa sends a turn's messages back to back: the turn is over when no more come for a while.
    count = messages.count()
    while True:
        page.wait_for_timeout(QUIET_AFTER_LAST_REPLY_MS)
        if messages.count() == count:
            return "\n".join(messages.all_inner_texts()[answered_before:])
        count = messages.count()


def session_id(page: Page) -> str:
    return page.evaluate("""() => {
        const key = Object.keys(sessionStorage).find(k => k.startsWith("careerchat:"));
        return JSON.parse(sessionStorage.getItem(key)).sessionId;
    }""")


def test_greeting_appears_in_the_live_region_and_a_quick_reply_answers(page):
    launcher(page).click()
    expect(message_box(page)).to_be_focused()
    expect(conversation(page)).to_have_attribute("aria-live", "polite")

    # The indicator is checked in the same script turn as the send, before any reply can arrive.
    typing_shown_on_send = page.evaluate("""() => {
        const root = document.getElementById("careerchat").shadowRoot;
        root.querySelector(".cc-input").value = "hi";
        root.querySelector(".cc-form").requestSubmit();
        return !root.querySelector(".cc-typing").hidden;
    }""")
    assert typing_shown_on_send
    expect(conversation(page)).to_contain_text(GREETING, timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(".cc-typing")).to_be_hidden()

    answered = bot_messages(page).count()
    quick_reply(page, "Explore careers").click()
    expect(conversation(page).locator(".cc-user").last).to_have_text(re.compile("Explore careers$"))
    answer = next_answer(page, answered)
    assert "O*NET Interest Profiler" in answer
    # Addresses in the answer are real links that open in a new tab.
    link = bot_messages(page).last.locator('a[href="https://www.onetonline.org/"]')
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    # The greeting's quick replies went when the person answered; the new answer brought its own.
    expect(quick_reply(page, "Job vs. career")).to_have_count(0)
    expect(quick_reply(page, "Find job openings")).to_be_visible()

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-open.png"))


def test_asking_how_a_job_differs_from_a_career(page):
    launcher(page).click()
    answer = say(page, "how is a job different from a career")
    for difference in ("Timeframe", "Goals", "Advancement", "Benefits"):
        assert difference in answer


def test_referral_walkthrough_with_a_zip_code(page):
    launcher(page).click()
    advice = say(page, "I don't have a car")
    assert "Transportation" in advice
    answered = bot_messages(page).count()
    quick_reply(page, "Yes, find local help").click()
    referral = next_answer(page, answered)
    if re.search(r"zip|where", referral, re.I):
        referral = say(page, "62704")
    assert not any(fallback in referral for fallback in FALLBACKS), referral
    # Local services come with their distance; the office's details name its phone.
    assert "mile" in referral or "555" in referral, referral


def test_conversation_survives_a_reload(page, servers):
    assistant = servers[0]
    launcher(page).click()
    say(page, "hi")
    answered = bot_messages(page).count()
    quick_reply(page, "Job vs. career").click()
    next_answer(page, answered)
    before_reload = conversation(page).inner_text()
    first_session = session_id(page)

    page.reload()
    expect(conversation(page)).to_be_visible()  # it was open, so it opens again
    assert conversation(page).inner_text() == before_reload
    expect(quick_reply(page, "Timeframe")).to_be_visible()

    answer = say(page, "what is a career")
    assert "A career is your whole professional journey" in answer
    assert session_id(page) == first_session
    user_turns = [event["text"] for event in assistant.tracker(widget_conversation(first_session))["events"]
                  if event["event"] == "user"]
    assert user_turns == ["hi", "/ask_job_vs_career", "what is a career"]


def press_until_focused(page: Page, key: str, target: Locator, most: int = 15) -> None:
    for _ in range(most):
        if target.evaluate("node => node.getRootNode().activeElement === node"):
            return
        page.keyboard.press(key)
    expect(target).to_be_focused()


def test_keyboard_only(page):
    press_until_focused(page, "Tab", launcher(page))
    page.keyboard.press("Enter")
    expect(message_box(page)).to_be_focused()

    answered = bot_messages(page).count()
    page.keyboard.type("hi")
    page.keyboard.press("Enter")
    next_answer(page, answered)
    expect(message_box(page)).to_have_value("")

    answered = bot_messages(page).count()
    press_until_focused(page, "Shift+Tab", quick_reply(page, "Job vs. career"))
    page.keyboard.press("Enter")
    assert "Five key differences" in next_answer(page, answered)
    expect(message_box(page)).to_be_focused()

    page.keyboard.press("Escape")
    expect(conversation(page)).to_be_hidden()
    expect(launcher(page)).to_be_focused()
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")


@pytest.mark.parametrize("page", [{"width": 375, "height": 667}], indirect=True)
def test_fits_a_phone_screen(page):
    launcher(page).click()
    say(page, "hi")
    panel = page.get_by_role("dialog", name="Career help")
    box = panel.bounding_box()
    assert box == {"x": 0, "y": 0, "width": 375, "height": 667}
    no_sideways_scroll = """() => {
        const log = document.getElementById("careerchat").shadowRoot.querySelector(".cc-log");
        return document.documentElement.scrollWidth <= window.innerWidth
            && log.scrollWidth <= log.clientWidth;
    }"""
    assert page.evaluate(no_sideways_scroll)
    for button in page.get_by_role("group", name="Suggested replies").get_by_role("button").all():
        button_box = button.bounding_box()
        assert button_box["x"] >= 0 and button_box["x"] + button_box["width"] <= 375
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-phone.png"))


RENDER = """text => {
    const container = document.createElement("div");
    container.appendChild(window.CareerChat.renderText(text));
    return {
        html: container.innerHTML,
        text: container.textContent,
        elements: [...container.querySelectorAll("*")].map(node => node.tagName),
        links: [...container.querySelectorAll("a")].map(a => ({
            href: a.getAttribute("href"), text: a.textContent,
            target: a.getAttribute("target"), rel: a.getAttribute("rel")})),
    };
}"""


def test_message_text_is_shown_as_text_never_as_html(page):
    markup = 'Hello <img src=x onerror=alert(1)> and <script>alert(2)</script> & "quotes"'
    rendered = page.evaluate(RENDER, markup)
    assert rendered["text"] == markup
    assert rendered["elements"] == []


def test_links_in_messages_are_checked_anchors(page):
    rendered = page.evaluate(RENDER, (
        "See https://careers.example.org/jobs. Call 217-555-0100 or write to careers@example.org\n"
        "[the profiler](https://www.mynextmove.org/explore/ip) but not [this](javascript:alert(1)) "
        "(see https://en.wikipedia.org/wiki/Career_(work).)"))
    assert rendered["links"] == [
        {"href": "https://careers.example.org/jobs", "text": "https://careers.example.org/jobs",
         "target": "_blank", "rel": "noopener noreferrer"},
        {"href": "tel:+12175550100", "text": "217-555-0100", "target": None, "rel": None},
        {"href": "mailto:careers@example.org", "text": "careers@example.org",
         "target": None, "rel": None},
        {"href": "https://www.mynextmove.org/explore/ip", "text": "the profiler",
         "target": "_blank", "rel": "noopener noreferrer"},
        {"href": "https://en.wikipedia.org/wiki/Career_(work)",
         "text": "https://en.wikipedia.org/wiki/Career_(work)",
         "target": "_blank", "rel": "noopener noreferrer"},
    ]
    # The refused link stays visible as the text it was; sentence punctuation stays text.
    assert "[this](javascript:alert(1))" in rendered["text"]
    assert "/jobs</a>. Call" in rendered["html"]
    assert rendered["html"].endswith("_(work)</a>.)")
    assert rendered["elements"].count("BR") == 1


def test_when_the_chat_cannot_start_the_person_still_sees_the_crisis_lines(browser, servers):
    """The chat's script dependency does not load (a blocked or broken asset): someone who has
    just written that they are in danger must not be left with silence."""
    context = browser.new_context(locale=BROWSER_LOCALE)
    tab = context.new_page()
    tab.route("**/socket.io.min.js", lambda route: route.abort())
    tab.goto(servers[1].url + "/")
    launcher(tab).click()
    message_box(tab).fill("i dont want to be alive anymore")
    message_box(tab).press("Enter")
    status = tab.locator(".cc-status")
    expect(status).to_contain_text("could not start", timeout=REPLY_TIMEOUT_MS)
    expect(status).to_contain_text("call or text 988")
    context.close()
