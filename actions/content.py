"""Answers that depend on what the person named: an aspect of job vs. career, a barrier."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from careerbot.content import barrier_response, difference_response


def latest_entity(tracker: Tracker, entity: str):
    """The entity's value in the latest message only (slots would carry older answers over)."""
    return next(tracker.get_latest_entity_values(entity), None)


class ActionExplainDifference(Action):
    def name(self) -> Text:
        return "action_explain_difference"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response=difference_response(latest_entity(tracker, "aspect")))
        return []


class ActionBarrierAdvice(Action):
    """The seeds' advice for the barrier named, then an offer to find local help.

    Without a recognisable barrier it asks which one. In the middle of a form (a digression) the
    offer is left out: the form picks up again right after."""

    def name(self) -> Text:
        return "action_barrier_advice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        advice = barrier_response(latest_entity(tracker, "barrier"))
        if advice is None:
            dispatcher.utter_message(response="utter_ask_barrier")
            return []
        dispatcher.utter_message(response=advice)
        if not tracker.active_loop_name:
            dispatcher.utter_message(response="utter_offer_local_help")
        return []
