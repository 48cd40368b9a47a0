"""The chat widget for a Spanish-speaking visitor, in Debian's Chromium, against the real assistant.

A browser set to Spanish (Mexico) gets the widget's own words in Spanish; what the visitor writes
in Spanish is answered in Spanish; the language button in the header switches the widget to
English at once and asks the assistant to go on in English, which it does. The servers, the
browser and the helpers are tests/test_widget_browser.py's (each module starts its own servers).
Screenshots go to test-output/.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.servers import widget_conversation
from tests.test_widget_browser import (  # noqa: F401 (browser, servers: fixtures)
    FALLBACKS, GREETING, REPLY_TIMEOUT_MS, SCREENSHOTS, bot_messages, browser, conversation,
    demo_page, launcher, message_box, next_answer, press_until_focused, say, servers, session_id)

SPANISH_BROWSER = "es-MX"
CAREER_DEFINITION = "A career is your whole professional journey"


@pytest.fixture
def page(browser, servers):
    with demo_page(browser, servers, locale=SPANISH_BROWSER) as tab:
        yield tab


def widget_host(page: Page) -> Locator:
    """The element the widget lives in; its `lang` is the language of the widget's words."""
    return page.locator("#careerchat")


def language_button(page: Page, switches_to: str) -> Locator:
    """The header's language button, named in the language it switches to."""
    name = {"en": "Chat in English", "es": "Chatear en español"}[switches_to]
    return page.get_by_role("button", name=name, exact=True)


def send_button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def user_events(assistant, page: Page) -> list:
    conversation_id = widget_conversation(session_id(page))
    return [event for event in assistant.tracker(conversation_id)["events"]
            if event["event"] == "user"]


def last_bot_event(assistant, page: Page) -> dict:
    conversation_id = widget_conversation(session_id(page))
    return [event for event in assistant.tracker(conversation_id)["events"]
            if event["event"] == "bot"][-1]


def test_a_spanish_browser_gets_the_widget_in_spanish(page):
    expect(widget_host(page)).to_have_attribute("lang", "es")
    launcher(page).click()

    expect(page.get_by_role("dialog", name="Ayuda con tu carrera")).to_be_visible()
    expect(message_box(page, "es")).to_be_focused()
    expect(message_box(page, "es")).to_have_attribute("placeholder", "Escribe tu mensaje")
    expect(send_button(page, "Enviar")).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar el chat", exact=True)).to_be_visible()
    expect(conversation(page, "es")).to_be_visible()
    # The demo page's opening message, in Spanish.
    expect(bot_messages(page, "es").first).to_contain_text("¿Qué te gustaría saber?")
    # None of the English words are left.
    expect(message_box(page)).to_have_count(0)
    expect(send_button(page, "Send")).to_have_count(0)
    expect(page.get_by_role("button", name="Close chat")).to_have_count(0)

    # The language button offers English, in English, to people who read it.
    button = language_button(page, "en")
    expect(button).to_have_text("English")
    expect(button).to_have_attribute("lang", "en")
    expect(button).to_have_attribute("type", "button")
    # Reached by keyboard, with the focus as visible as on every other control.
    press_until_focused(page, "Shift+Tab", button)
    assert button.evaluate("node => getComputedStyle(node).outlineStyle") == "solid"

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-spanish.png"))


def test_spanish_is_answered_in_spanish(page, servers):
    launcher(page).click()

    answer = say(page, "hola, necesito ayuda para encontrar trabajo", "es")

    # First: an answer in English would have switched the widget's words (and the names `say`
    # finds the conversation by) to English, leaving `answer` empty.
    expect(widget_host(page)).to_have_attribute("lang", "es")
    expect(message_box(page, "es")).to_have_attribute("placeholder", "Escribe tu mensaje")
    assert re.search(r"trabajo|empleo", answer, re.I), answer
    assert GREETING not in answer
    assert not any(fallback in answer for fallback in FALLBACKS), answer
    # The answer said which language it is in, and its bubbles carry it for screen readers.
    expect(conversation(page, "es").locator(".cc-bot[lang=es]")).not_to_have_count(0)
    # The browser's language went along with the message, as a hint for the assistant.
    [hola] = user_events(servers[0], page)
    assert hola["text"] == "hola, necesito ayuda para encontrar trabajo"
    assert hola["metadata"]["language"] == SPANISH_BROWSER


def test_the_language_button_switches_to_english(page, servers):
    assistant = servers[0]
    launcher(page).click()
    say(page, "hola, necesito ayuda para encontrar trabajo", "es")
    expect(widget_host(page)).to_have_attribute("lang", "es")  # answered in Spanish

    answered = bot_messages(page, "es").count()
    language_button(page, "en").click()

    # The widget's words switch at once, before the assistant answers.
    expect(widget_host(page)).to_have_attribute("lang", "en")
    expect(message_box(page)).to_have_attribute("placeholder", "Type your message")
    expect(send_button(page, "Send")).to_be_visible()
    expect(page.get_by_role("button", name="Close chat", exact=True)).to_be_visible()
    expect(page.get_by_role("dialog", name="Career help")).to_be_visible()
    back_to_spanish = language_button(page, "es")
    expect(back_to_spanish).to_have_text("Español")
    expect(back_to_spanish).to_have_attribute("lang", "es")
    expect(back_to_spanish).to_be_focused()  # the focus stays on the button that was pressed
    expect(conversation(page).locator(".cc-user").last).to_have_text(re.compile("English$"))

    confirmation = next_answer(page, answered)
    assert not any(fallback in confirmation for fallback in FALLBACKS), confirmation
    # The button's payload reached the assistant as the switch it stands for, and its answer
    # came in English.
    switch = user_events(assistant, page)[-1]
    assert switch["text"] == '/switch_language{"language":"en"}'
    assert switch["parse_data"]["intent"]["name"] == "switch_language"
    assert last_bot_event(assistant, page)["metadata"].get("language") == "en"
    expect(widget_host(page)).to_have_attribute("lang", "en")

    answer = say(page, "what is a career?")
    assert CAREER_DEFINITION in answer
    expect(bot_messages(page).last).to_have_attribute("lang", "en")
    expect(message_box(page)).to_have_attribute("placeholder", "Type your message")

    # The conversation's language outlasts a reload, though the browser still prefers Spanish.
    page.reload()
    expect(conversation(page)).to_be_visible()
    expect(message_box(page)).to_have_attribute("placeholder", "Type your message")
    expect(language_button(page, "es")).to_be_visible()


def test_when_the_chat_cannot_start_a_spanish_speaker_sees_the_crisis_lines_in_spanish(
        browser, servers):
    with demo_page(browser, servers, locale=SPANISH_BROWSER) as tab:
        tab.route("**/socket.io.min.js", lambda route: route.abort())
        launcher(tab).click()
        message_box(tab, "es").fill("ya no quiero vivir")
        message_box(tab, "es").press("Enter")
        status = tab.locator(".cc-status")
        expect(status).to_contain_text("No se pudo iniciar el chat", timeout=REPLY_TIMEOUT_MS)
        expect(status).to_contain_text("988")
        expect(status).to_contain_text("marca 2 para español")
