"""Conversations written into Rasa's tracker-store table exactly as Rasa writes them.

The events are Rasa's own event classes serialised with `as_dict()`, and the rows follow
SQLTrackerStore.save (type_name, timestamp, intent_name, action_name, data), so the console reads
the same shapes it reads from the running bot. Used by the console tests and the benchmark.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered,
)


def user(text: str, intent: str, confidence: float = 0.95, entities: Optional[List[dict]] = None,
         channel: str = "rest", timestamp: Optional[float] = None) -> UserUttered:
    parse_data = {"intent": {"name": intent, "confidence": confidence}, "entities": entities or [],
                  "text": text, "intent_ranking": [{"name": intent, "confidence": confidence}]}
    return UserUttered(text, intent=parse_data["intent"], entities=entities or [], parse_data=parse_data,
                       input_channel=channel, timestamp=timestamp)


def bot(text: str, buttons: Optional[List[dict]] = None, response: str = "utter_x",
        timestamp: Optional[float] = None) -> BotUttered:
    return BotUttered(text, data={"elements": None, "quick_replies": None, "buttons": buttons,
                                  "attachment": None, "image": None, "custom": None},
                      metadata={"utter_action": response}, timestamp=timestamp)


def action(name: str, timestamp: Optional[float] = None) -> ActionExecuted:
    return ActionExecuted(name, policy="RulePolicy", confidence=1.0, timestamp=timestamp)


def slot(name: str, value, timestamp: Optional[float] = None) -> SlotSet:
    return SlotSet(name, value, timestamp=timestamp)


def session_start(timestamp: Optional[float] = None) -> List[Event]:
    return [action("action_session_start", timestamp), SessionStarted(timestamp=timestamp),
            action("action_listen", timestamp)]


@dataclass
class Conversation:
    """A sender's events; `at()` spaces their timestamps a few seconds apart from `start`."""

    sender_id: str
    start: float
    events: List[Event] = field(default_factory=list)

    def add(self, *events: Event) -> "Conversation":
        for event in events:
            event.timestamp = self.start + 3 * len(self.events)
            self.events.append(event)
        return self


def row_for(sender_id: str, event: Event) -> Dict[str, object]:
    """The row SQLTrackerStore.save writes for `event`."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
            "action_name": data.get("name"), "data": json.dumps(data)}


def create_events_table(url: str) -> sa.engine.Engine:
    """Rasa's own table definition, created the way the tracker store creates it."""
    engine = sa.create_engine(url)
    SQLTrackerStore.Base.metadata.create_all(engine)
    return engine


def store(url: str, conversations: Iterable[Conversation]) -> None:
    engine = create_events_table(url)
    rows = [row_for(c.sender_id, event) for c in conversations for event in c.events]
    with engine.begin() as connection:
        connection.execute(SQLTrackerStore.SQLEvent.__table__.insert(), rows)
    engine.dispose()
