"""A message not understood: "did you mean ...?" with its two likeliest topics as buttons."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from careerbot.content import likeliest_topics


class ActionDidYouMean(Action):
    """The first message in a row that the assistant did not understand gets its two likeliest
    topics to choose from; a message that is about something else altogether, or any after a
    crisis (the reply stays supportive), gets the plain fallback."""

    def name(self) -> Text:
        return "action_did_you_mean"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        topics = likeliest_topics(tracker.latest_message.get("intent_ranking") or [])
        if not topics or tracker.get_slot("crisis_flag"):
            dispatcher.utter_message(response="utter_fallback")
            return []
        buttons = [{"title": title, "payload": f"/{intent}"} for intent, title in topics]
        buttons.append({"title": "Something else", "payload": "/ask_capabilities"})
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        return []
