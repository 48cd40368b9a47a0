"""Leaving contact details for a counselor (handoff_form), validated before staff see them."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tracker_reading import last_bot_response
from careerbot.contact import (asks_when_contacted, clean_name, contact_in_passing,
                              parse_contact_detail)
from careerbot.nlp import is_common_english_word

OFFER_TO_LEAVE_DETAILS = "utter_ask_leave_contact"


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_handoff_form"

    async def extract_contact_name(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        """A name typed in answer to the offer to leave details ("Guadalupe Reyes"): the offer
        asked for it, so it is taken as the name."""
        if tracker.get_slot("requested_slot") == "contact_name":
            return _question_about_the_call(tracker, "contact_name")
        if (tracker.get_slot("contact_name") or tracker.get_slot("requested_slot")
                or last_bot_response(tracker) != OFFER_TO_LEAVE_DETAILS):
            return {}
        text = tracker.latest_message.get("text") or ""
        name = contact_in_passing(text, is_common_english_word).name or clean_name(text)
        return {"contact_name": name} if name else {}

    async def extract_contact_detail(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") == "contact_detail":
            return _question_about_the_call(tracker, "contact_detail")
        return {}

    def validate_contact_name(self, slot_value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = slot_value if isinstance(slot_value, str) else None
        name = clean_name(text)
        if name is None:
            dispatcher.utter_message(response="utter_when_contacted" if asks_when_contacted(text)
                                     else "utter_invalid_contact_name")
        return {"contact_name": name}

    def validate_contact_detail(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = slot_value if isinstance(slot_value, str) else None
        detail = parse_contact_detail(text)
        if detail is None:
            # "how soon do they get back to people" is a question, not a mistyped number.
            dispatcher.utter_message(response="utter_when_contacted" if asks_when_contacted(text)
                                     else "utter_invalid_contact_detail")
            return {"contact_detail": None}
        return {"contact_detail": detail.value}

    def validate_contact_confirmed(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if slot_value is True:
            # The flag the staff console's follow-up queue looks for: set once the person has
            # confirmed the details read back to them.
            return {"contact_confirmed": True, "handoff_requested": True}
        # "no, it's 217 555 0186": the correction is taken and read back; a plain "no" starts over.
        correction = contact_in_passing(tracker.latest_message.get("text"), is_common_english_word)
        if correction.name or correction.detail:
            return {"contact_confirmed": None,
                    "contact_name": correction.name or tracker.get_slot("contact_name"),
                    "contact_detail": (correction.detail.value if correction.detail
                                       else tracker.get_slot("contact_detail"))}
        # A plain "no": numbers are what people most often mistype; the name is kept.
        dispatcher.utter_message(response="utter_contact_fix")
        return {"contact_confirmed": None, "contact_detail": None}


# The intents a question about the call back is read as ("when will someone call me back?").
ABOUT_THE_CALL = ("request_callback", "request_human")


def _question_about_the_call(tracker: Tracker, slot: Text) -> Dict[Text, Any]:
    """A question about the call back, asked while the form waits for a name or a number, and
    read as a request for one: its words go to the slot's validation, which answers it and asks
    again (the slot's from_text mapping leaves these intents out, and the form would otherwise
    find nothing in the message and give up on it)."""
    message = tracker.latest_message
    text = message.get("text") or ""
    gives_details = any(e.get("entity") in ("contact_name", "contact_detail")
                        for e in message.get("entities") or [])
    if ((message.get("intent") or {}).get("name") in ABOUT_THE_CALL and not gives_details
            and asks_when_contacted(text)):
        return {slot: text}
    return {}
