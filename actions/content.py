"""Answers that depend on what the person named: an aspect of job vs. career, a barrier."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.listing_questions import answer_about_listings_shown
from actions.tracker_reading import latest_entity
from careerbot.content import barrier_response, barriers_named, difference_response, local_help_offer


class ActionExplainDifference(Action):
    def name(self) -> Text:
        return "action_explain_difference"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response=difference_response(latest_entity(tracker, "aspect")))
        return []


class ActionBarrierAdvice(Action):
    """The seeds' advice for each barrier named ("no car and no one to watch my kids": both),
    then an offer to find local help with them.

    Without a recognisable barrier it asks which one. In the middle of a form (a digression) the
    offer is left out: the form picks up again right after."""

    def name(self) -> Text:
        return "action_barrier_advice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        barriers = barriers_named(tracker.get_latest_entity_values("barrier"))
        if not barriers:
            # "any evening ones? i work days", just after a search, is about its results.
            if not answer_about_listings_shown(dispatcher, tracker):
                dispatcher.utter_message(response="utter_ask_barrier")
            return []
        for barrier in barriers:
            dispatcher.utter_message(response=barrier_response(barrier))
        if not tracker.active_loop_name:
            dispatcher.utter_message(response=local_help_offer(barriers))
        return []
