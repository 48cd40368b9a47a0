"""A crisis is answered at once on every channel, through the channel's real connector.

The same conversations as tests/test_crisis_conversation.py (which covers REST), on the three other
channels, each with the real Rasa server and action server:
- the website widget, in Debian's Chromium on the demo page (tests/test_widget_browser.py's
  servers, browser and page);
- Telegram and Slack, whose connectors answer through the loopback fakes of the Telegram Bot API
  and the Slack Web API (tests/test_channel_telegram.py's assistant, which has both channels on),
  with updates and events built from the services' own sample payloads.

Every assertion is on what the person sees: the text of the messages the channel shows them and
the titles of the buttons offered with them (the widget's suggested replies, Telegram's inline
keyboard, Slack's Block Kit buttons). Only the crisis flag is read from the conversation's tracker
(Rasa's HTTP API), as staff would see it. Each test is a new person: a new browser tab (so a new
widget session), a new Telegram chat, a new Slack user in a channel of their own.
"""
from __future__ import annotations

import html
import json
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, List

import pytest
from playwright.sync_api import Page

from careerbot.conversation_ids import conversation_id
from tests.fakes.http_fake import deliver
from tests.fakes.slack_api import signed_headers
from tests.support.servers import Assistant, widget_conversation
# The running servers of the existing channel tests, used here as they are (pytest fixtures).
from tests.test_channel_telegram import SAMPLES, SLACK_SECRET
from tests.test_channel_telegram import sample as telegram_sample
from tests.test_channel_telegram import send_update
from tests.test_channel_telegram import services as telegram_and_slack  # noqa: F401 (fixture)
from tests.test_widget_browser import browser, page, servers  # noqa: F401 (fixtures)
from tests.test_widget_browser import (bot_messages, launcher, message_box, next_answer, session_id,
                                       widget_name)

INDIRECT_CRISIS = "honestly everyone would be better off without me"
COUNSELOR_OFFER = "Would you like a counselor to reach out to you?"
OFFER_BUTTONS = ["Yes, have a counselor contact me", "Not now"]
STILL_HERE = "I'm still here with you"
SUPPORTIVE_BUTTON = "Have a counselor contact me"
CANT_HELP = "can't help"
ZIP_QUESTION = "What's your ZIP code"
MAIN_MENU = ["Job vs. career", "Turn my job into a career", "Explore careers", "Find job openings",
             "Something is in my way", "Find local help", "Talk to a counselor"]
TURN_TIMEOUT = 30  # seconds
SLACK_QUIET = 1.0  # seconds without a new post after which a Slack turn's replies are all in


@dataclass
class Answer:
    """What the person sees in answer to one message."""

    messages: List[str]  # the text of each message shown, in order
    buttons: List[str]  # the titles of the buttons offered with them
    seconds_to_first_message: float

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


@dataclass
class Person:
    """Someone writing to the assistant on one channel."""

    channel: str
    assistant: Assistant
    sender_id: Callable[[], str]  # their conversation's id in Rasa
    send: Callable[[str], Answer]
    turns: int = 0
    answers: List[Answer] = field(default_factory=list)

    def say(self, text: str) -> Answer:
        answer = self.send(text)
        self.turns += 1
        self.wait_until_the_turn_is_saved()
        self.answers.append(answer)
        return answer

    def tracker(self) -> dict:
        return self.assistant.tracker(self.sender_id())

    def wait_until_the_turn_is_saved(self) -> None:
        """Rasa stores the conversation at the end of a turn: after all its replies were sent."""
        deadline = time.monotonic() + TURN_TIMEOUT
        while True:
            events = self.tracker()["events"]
            said = sum(1 for event in events if event["event"] == "user")
            if said >= self.turns and events[-1]["event"] == "action" \
                    and events[-1]["name"] == "action_listen":
                return
            assert time.monotonic() < deadline, f"the turn was not stored: {events[-3:]}"
            time.sleep(0.1)

    def crisis_flag(self):
        return self.tracker()["slots"].get("crisis_flag")


# --- the website widget ---------------------------------------------------------------------------

def widget_person(tab: Page, assistant: Assistant) -> Person:
    launcher(tab).click()

    def send(text: str) -> Answer:
        # Whichever language the widget shows: a Spanish crisis turns it to Spanish.
        answered = bot_messages(tab, None).count()
        message_box(tab, None).fill(text)
        started = time.monotonic()
        message_box(tab, None).press("Enter")
        bot_messages(tab, None).nth(answered).wait_for(timeout=TURN_TIMEOUT * 1000)
        first = time.monotonic() - started
        next_answer(tab, answered, None)  # until no more messages come for a second
        messages = [re.sub(r"^(Assistant|Asistente):", "", text).strip()  # screen reader label
                    for text in bot_messages(tab, None).all_inner_texts()[answered:]]
        suggested = tab.get_by_role("group", name=widget_name("suggested replies", None)
                                    ).get_by_role("button")
        return Answer(messages, suggested.all_inner_texts(), first)

    return Person("widget", assistant, lambda: widget_conversation(session_id(tab)), send)


# --- Telegram -------------------------------------------------------------------------------------

def telegram_person(assistant: Assistant, bot_api) -> Person:
    chat_id = random.randrange(5_000_000_000, 6_000_000_000)  # a private chat: chat id = user id

    def send(text: str) -> Answer:
        update = telegram_sample("update_message_text.json")
        update["update_id"] = random.randrange(10 ** 8, 10 ** 9)
        message = update["message"]
        message.update(text=text, message_id=random.randrange(10 ** 6), date=int(time.time()))
        message["chat"]["id"] = message["from"]["id"] = chat_id
        before = len(sent_to(chat_id))
        started = time.monotonic()
        # The connector answers Telegram's delivery once the turn is over (its replies sent).
        delivery = send_update(assistant, update)
        assert delivery.status == 200, delivery.text
        sent = sent_to(chat_id)[before:]
        first = time.monotonic() - started
        buttons = []
        for reply in sent:
            markup = reply.get("reply_markup")
            if markup is not None:  # only inline keyboards, each button sending its payload
                assert set(markup) == {"inline_keyboard"}, markup
                for row in markup["inline_keyboard"]:
                    for button in row:
                        assert button.get("callback_data"), button
                        buttons.append(button["text"])
        return Answer([reply["text"] for reply in sent], buttons, first)

    def sent_to(chat: int) -> List[dict]:
        return [m for m in bot_api.sent_messages() if str(m["chat_id"]) == str(chat)]

    return Person("telegram", assistant, lambda: conversation_id("telegram", str(chat_id)), send)


# --- Slack ----------------------------------------------------------------------------------------

def slack_visible_text(post: dict) -> str:
    """What Slack shows for a chat.postMessage: its section blocks when it has blocks (`text` is
    then only the notification's), else its text; with Slack's &amp; &lt; &gt; shown as the
    characters."""
    if post.get("blocks"):
        shown = "\n".join(block["text"]["text"] for block in post["blocks"]
                          if block["type"] == "section")
    else:
        shown = post.get("text", "")
    return html.unescape(shown)


def slack_person(assistant: Assistant, slack_api) -> Person:
    user = "U" + uuid.uuid4().hex[:10].upper()
    channel = "C" + uuid.uuid4().hex[:10].upper()  # the person's own channel: replies go there

    def send(text: str) -> Answer:
        body = json.loads((SAMPLES / "slack" / "event_callback_message_channels.json").read_text())
        ts = f"{int(time.time())}.{random.randrange(10 ** 6):06d}"
        body["event_id"] = "Ev" + uuid.uuid4().hex[:12].upper()
        body["event"].update(text=text, user=user, channel=channel, ts=ts, event_ts=ts)
        body["authorizations"][0]["user_id"] = user
        raw = json.dumps(body).encode()
        before = len(slack_api.posted(channel))
        started = time.monotonic()
        delivery = deliver(f"{assistant.url}/webhooks/slack/webhook", raw,
                           signed_headers(SLACK_SECRET, raw))
        assert delivery.status == 200, delivery.text
        # The connector answers Slack at once and replies in the background.
        slack_api.wait_for(lambda _: len(slack_api.posted(channel)) > before, TURN_TIMEOUT)
        first = time.monotonic() - started
        count = len(slack_api.posted(channel))
        while True:
            time.sleep(SLACK_QUIET)
            if len(slack_api.posted(channel)) == count:
                break
            count = len(slack_api.posted(channel))
        posts = [call.params for call in slack_api.posted(channel)[before:]]
        assert all("thread_ts" not in post for post in posts)  # in the channel, where they wrote
        buttons = [element["text"]["text"] for post in posts for block in post.get("blocks", [])
                   if block["type"] == "actions" for element in block["elements"]
                   if element["type"] == "button" and element.get("value")]
        return Answer([slack_visible_text(post) for post in posts], buttons, first)

    return Person("slack", assistant, lambda: conversation_id("slack", user), send)


# --- one person per test, on each channel ---------------------------------------------------------

@pytest.fixture(params=["widget", "telegram", "slack"])
def person(request, record_property) -> Person:
    if request.param == "widget":
        tab = request.getfixturevalue("page")
        someone = widget_person(tab, request.getfixturevalue("servers")[0])
    else:
        services = request.getfixturevalue("telegram_and_slack")
        someone = (telegram_person(services.assistant, services.bot_api)
                   if request.param == "telegram"
                   else slack_person(services.assistant, services.slack_api))
    yield someone
    # How long each message waited for its first reply (in the JUnit XML, and with -rP).
    waits = [round(answer.seconds_to_first_message, 2) for answer in someone.answers]
    record_property("seconds_to_first_reply", waits)
    print(f"{request.param}: seconds to the first reply of each message: {waits}")


def assert_crisis_answer(answer: Answer) -> None:
    """The crisis answer is the first thing shown, with the ways to reach help right now."""
    assert answer.messages, "no answer"
    assert "988" in answer.messages[0], answer.messages
    assert "911" in answer.text and "https://988lifeline.org/chat" in answer.text, answer.text
    assert ZIP_QUESTION not in answer.text and CANT_HELP not in answer.text, answer.text


def assert_stays_supportive(answer: Answer) -> None:
    assert "988" in answer.text and STILL_HERE in answer.text, answer.text
    assert CANT_HELP not in answer.text, answer.text
    assert SUPPORTIVE_BUTTON in answer.buttons, answer.buttons
    assert not set(MAIN_MENU) & set(answer.buttons), answer.buttons


def test_an_indirect_crisis_as_first_message_gets_the_lines_and_a_counselor_offer(person):
    answer = person.say(INDIRECT_CRISIS)

    assert_crisis_answer(answer)
    assert COUNSELOR_OFFER in answer.text
    assert answer.buttons == OFFER_BUTTONS
    assert person.crisis_flag() is True


def test_after_the_crisis_answer_the_assistant_stays_with_the_person(person):
    assert_crisis_answer(person.say(INDIRECT_CRISIS))

    answer = person.say("no im serious")

    assert_stays_supportive(answer)
    assert person.crisis_flag() is True


def test_a_crisis_inside_the_referral_form_is_answered_at_once_and_sets_the_form_aside(person):
    assert "What's your ZIP code or city?" in person.say("find a workforce center").text

    assert_crisis_answer(person.say("i dont want to wake up tomorrow"))
    after = person.say("Sam")  # not the place the form asked for

    assert ZIP_QUESTION not in after.text
    assert_stays_supportive(after)
    assert person.crisis_flag() is True


def test_a_crisis_in_spanish_is_answered_in_spanish(person):
    answer = person.say("ya no quiero vivir")

    assert_crisis_answer(answer)
    assert "988 y marca 2" in answer.text and "AYUDA al 988" in answer.text
    assert "¿Quieres que un consejero se comunique contigo?" in answer.text
    assert COUNSELOR_OFFER not in answer.text
    assert answer.buttons == ["Sí, que me contacten", "Ahora no"]
    assert person.crisis_flag() is True
