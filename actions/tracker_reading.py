"""What the person and the assistant said, read from the tracker."""
from __future__ import annotations

from typing import Any, List, Optional, Text

from rasa_sdk import Tracker

from careerbot.language import DEFAULT_LANGUAGE, LANGUAGES


def conversation_language(tracker: Tracker) -> str:
    """The language the conversation is in, "en" or "es" (the `language` slot; English until it
    is set)."""
    language = tracker.get_slot("language") or DEFAULT_LANGUAGE
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def latest_entity(tracker: Tracker, entity: Text):
    """The entity's value in the latest message only (slots would carry older answers over)."""
    return next(tracker.get_latest_entity_values(entity), None)


def entities_of_last(tracker: Tracker, intent: Text, entity: Text) -> List[Any]:
    """The `entity` values of the person's last message with `intent`."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") == intent:
            return [e.get("value") for e in parse.get("entities") or [] if e.get("entity") == entity]
    return []


def last_bot_response(tracker: Tracker) -> Optional[Text]:
    """The response name of the assistant's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None
