"""A message not understood.

Outside a form: first what it can still mean here (a question about the services just shown, "and
goals?" after the differences), then "did you mean ...?" with its two likeliest topics as buttons;
keyboard mashing gets "I didn't catch that" and the menu, not "I can't help with that".

Inside a form, a message the form will take as its answer ("Nia" for a name) gets no fallback at
all; any other gets one line, and the form asks its question again."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.listing_questions import answer_about_listings_shown
from actions.tracker_reading import conversation_language
from careerbot.contact import asks_when_contacted, clean_name, parse_contact_detail
from careerbot.content import ASPECTS, SOMETHING_ELSE, difference_response, likeliest_topics
from careerbot.entity_lexicon import normalise_text
from careerbot.nlp import is_common_english_word
from careerbot.places import PlaceIndex

# A follow-up of a few words ("and goals?", "what about moving up") may name an aspect alone.
MAX_WORDS_OF_A_FOLLOW_UP = 6
WORD = re.compile(r"[^\W\d_]+")


def is_keyboard_mashing(text: str) -> bool:
    """No word of it is English ("qwerty", "jjjjjj", "hjkhjk")."""
    words = WORD.findall(text)
    return not any(is_common_english_word(word) for word in words)


def aspect_followed_up(text: str) -> Optional[str]:
    """The aspect a short follow-up names ("and goals?"), or None."""
    if len(text.split()) > MAX_WORDS_OF_A_FOLLOW_UP:
        return None
    aspect = normalise_text("aspect", text)
    return aspect if aspect in ASPECTS else None


class ActionDidYouMean(Action):
    """The first message in a row that the assistant did not understand gets its two likeliest
    topics to choose from; a message that is about something else altogether, or any after a
    crisis (the reply stays supportive), gets the plain fallback."""

    def name(self) -> Text:
        return "action_did_you_mean"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("crisis_flag"):
            dispatcher.utter_message(response="utter_fallback")
            return []
        if answer_about_listings_shown(dispatcher, tracker):
            return []
        if asks_when_contacted(text):
            dispatcher.utter_message(response="utter_when_contacted")
            return []
        aspect = aspect_followed_up(text)
        if aspect:
            dispatcher.utter_message(response=difference_response(aspect))
            return []
        language = conversation_language(tracker)
        topics = likeliest_topics(tracker.latest_message.get("intent_ranking") or [],
                                  language=language)
        if topics:
            buttons = [{"title": title, "payload": f"/{intent}"} for intent, title in topics]
            buttons.append({"title": SOMETHING_ELSE[language], "payload": "/ask_capabilities"})
            dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        elif is_keyboard_mashing(text):
            dispatcher.utter_message(response="utter_didnt_catch_that")
            dispatcher.utter_message(response="utter_capabilities")
        else:
            dispatcher.utter_message(response="utter_fallback")
        return []


def form_takes_as_answer(tracker: Tracker) -> bool:
    """Whether the form's next run takes the message as the answer to its question."""
    text = tracker.latest_message.get("text") or ""
    requested = tracker.get_slot("requested_slot")
    if requested == "contact_name":
        return clean_name(text) is not None
    if requested == "contact_detail":
        return parse_contact_detail(text) is not None
    if requested == "location":
        return PlaceIndex.default().resolve(text).place is not None
    return False


class ActionFallbackInForm(Action):
    """A message a form's question did not expect: nothing when the form takes it as the answer,
    else one line ("I didn't catch that", or "I can't help with that" for a question about
    something else, or when a counselor will be in touch); the form then asks again."""

    def name(self) -> Text:
        return "action_fallback_in_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if form_takes_as_answer(tracker):
            return []
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if asks_when_contacted(text):
            dispatcher.utter_message(response="utter_when_contacted")
        elif intent == "out_of_scope" and not is_keyboard_mashing(text):
            dispatcher.utter_message(response="utter_fallback_in_form")
        else:
            dispatcher.utter_message(response="utter_didnt_catch_that")
        return []
