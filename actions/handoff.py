"""Leaving contact details for a counselor (handoff_form), validated before staff see them."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from careerbot.contact import clean_name, parse_contact_detail


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_handoff_form"

    def validate_contact_name(self, slot_value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        name = clean_name(slot_value if isinstance(slot_value, str) else None)
        if name is None:
            dispatcher.utter_message(response="utter_invalid_contact_name")
        return {"contact_name": name}

    def validate_contact_detail(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        detail = parse_contact_detail(slot_value if isinstance(slot_value, str) else None)
        if detail is None:
            dispatcher.utter_message(response="utter_invalid_contact_detail")
            return {"contact_detail": None}
        return {"contact_detail": detail.value}

    def validate_contact_confirmed(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if slot_value is True:
            # The flag the staff console's follow-up queue looks for: set once the person has
            # confirmed the details read back to them.
            return {"contact_confirmed": True, "handoff_requested": True}
        dispatcher.utter_message(response="utter_contact_fix")
        return {"contact_confirmed": None, "contact_name": None, "contact_detail": None}
