"""The five steps from a job to a career, one at a time (career_steps_form)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from careerbot.content import advance, current_step, step_detail_response, step_response

# Intents that drive the walk-through itself; any other message before the step is shown again
# was a digression, so the step is introduced with "back to the five steps".
WALKTHROUGH_INTENTS = {"next_step", "skip_step", "ask_more", "ask_turn_job_into_career"}


class ActionStartCareerSteps(Action):
    def name(self) -> Text:
        return "action_start_career_steps"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_steps_intro")
        return [SlotSet("career_step", 1.0), SlotSet("step_choice", None),
                SlotSet("step_detail_shown", False)]


class ActionAskStepChoice(Action):
    """Shows the current step with its buttons; after a digression, says we're back."""

    def name(self) -> Text:
        return "action_ask_step_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("step_detail_shown"):
            # The detail just shown carries its own "next" button; don't repeat the step.
            return [SlotSet("step_detail_shown", False)]
        latest_intent = (tracker.latest_message.get("intent") or {}).get("name")
        if latest_intent not in WALKTHROUGH_INTENTS:
            dispatcher.utter_message(response="utter_steps_resume")
        dispatcher.utter_message(response=step_response(current_step(tracker.get_slot("career_step"))))
        return []


class ValidateCareerStepsForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_career_steps_form"

    def validate_step_choice(self, slot_value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        step = current_step(tracker.get_slot("career_step"))
        following, show_detail = advance(step, slot_value)
        if following == step and not show_detail:  # not a choice (e.g. the slot was reset)
            return {"step_choice": None}
        if show_detail:
            dispatcher.utter_message(response=step_detail_response(step))
            return {"step_choice": None, "step_detail_shown": True}
        if following is None:
            return {"step_choice": "done"}
        return {"step_choice": None, "career_step": float(following)}
