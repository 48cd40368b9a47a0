"""Questions about the services just shown: hours, cost, who may go, how to apply, which is
closest, a phone number or an address, answered from those listings' directory fields."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.directory import directory
from actions.tracker_reading import conversation_language
from careerbot.listing_questions import answer, read_question
from careerbot.places import PlaceIndex


def answer_about_listings_shown(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answer a question about the listings of the latest search from their directory fields;
    False when none were shown or the text asks nothing about them."""
    ids = tracker.get_slot("last_listings") or []
    text = tracker.latest_message.get("text") or ""
    # Whether it asks anything at all does not depend on the names: the directory is read only
    # for a message that does.
    if not ids or read_question(text, []) is None:
        return False
    place = PlaceIndex.default().resolve(tracker.get_slot("location") or "").place
    listings = directory().listings_by_id(ids, place)
    question = read_question(text, [listing.name for listing in listings])
    if not listings:
        return False
    dispatcher.utter_message(text=answer(question, listings, datetime.now(timezone.utc),
                                         conversation_language(tracker)))
    return True


class ActionAnswerListingQuestion(Action):
    def name(self) -> Text:
        return "action_answer_listing_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if answer_about_listings_shown(dispatcher, tracker):
            return []
        if tracker.get_slot("last_listings"):
            dispatcher.utter_message(response="utter_ask_which_detail")
            return []
        # Nothing shown yet: what the seeds say of such services, and the way to find some.
        question = read_question(tracker.latest_message.get("text") or "", [])
        asked = set(question.details) if question else set()
        dispatcher.utter_message(response="utter_services_cost_in_general" if "cost" in asked
                                 else "utter_services_eligibility_in_general")
        return []


class ActionGoodbyeAfterListings(Action):
    """A goodbye right after listings, unless it asks about them ("do i gotta pay for it")."""

    def name(self) -> Text:
        return "action_goodbye_after_listings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if not answer_about_listings_shown(dispatcher, tracker):
            dispatcher.utter_message(response="utter_goodbye")
        return []
