"""A long conversation handled from its last few turns and a summary of what came before.

Rasa 3.6 rebuilds a conversation from every event of its session on each turn, then replays the
whole history again to copy the tracker before each action, to compute the policies' states and to
send the tracker to the action server: a turn gets slower the longer the conversation (about
0.9 ms per earlier turn here, so turn 200 took four times as long as turn 1).

Nothing in this assistant needs more than the last few turns: RulePolicy looks back as far as its
longest rule, four states, a turn is at least two
states (the bot's action, then listening), and the custom actions read slots and the latest
message. Two turns cover that; the window holds between two and four earlier turns (the test
suite's assistant runs with one, and every conversation test passes). The rest of the history matters only through the state it left: the slots, the
active form, whether the conversation is paused. So a loaded conversation is a *summary* of its
earlier events, which restores exactly that state, followed by its last `window_turns` turns.

The summary looks like the start of a new Rasa session that carried the slots over
(action_session_start, session_started, the slots, the active form, action_listen), so every Rasa
mechanism treats it as ordinary history. Its events are marked, are never written to the database
and are never counted as stored; every real event stays in the events table (staff see the whole
conversation). A summary holds for one point in the history (the id of the last event it
summarises) and is remade when the window has grown to twice its size, so the work is a few turns'
replay every few turns instead of the whole history on every turn.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Text

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActiveLoop,
                                     ConversationPaused, Event, SessionStarted, SlotSet)
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_WINDOW_TURNS = 2
# Metadata key on summary events; its value is the id of the last event the summary stands for.
SUMMARY_KEY = "careerbot_summary_of_events_upto"
# Entries kept per process (only conversations longer than twice the window have a summary).
MAX_CONVERSATIONS_REMEMBERED = 2000


def window_turns(env=os.environ) -> int:
    """Turns kept as they happened (CONVERSATION_WINDOW_TURNS); 0 loads the whole session."""
    value = int(env.get("CONVERSATION_WINDOW_TURNS") or DEFAULT_WINDOW_TURNS)
    if value < 0:
        raise ValueError("CONVERSATION_WINDOW_TURNS must be 0 (whole session) or more")
    return value


@dataclass(frozen=True)
class Summary:
    upto_event_id: int
    events: List[Dict[Text, Any]]


def summarise(tracker: DialogueStateTracker, upto_event_id: int, timestamp: float) -> Summary:
    """Events that put a new tracker in `tracker`'s state (slots, active form, paused)."""
    metadata = {SUMMARY_KEY: upto_event_id}
    events: List[Event] = [
        ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp, metadata=metadata),
        SessionStarted(timestamp=timestamp, metadata=metadata)]
    events += [SlotSet(name, slot.value, timestamp=timestamp, metadata=metadata)
               for name, slot in tracker.slots.items() if slot.value != slot.initial_value]
    loop = tracker.active_loop
    if loop is not None and loop.name:
        events.append(ActionExecuted(loop.name, timestamp=timestamp, metadata=metadata))
        events.append(ActiveLoop(loop.name, timestamp=timestamp, metadata=metadata))
        if loop.rejected:
            events.append(ActionExecutionRejected(loop.name, timestamp=timestamp, metadata=metadata))
    if tracker.is_paused():
        events.append(ConversationPaused(timestamp=timestamp, metadata=metadata))
    events.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=timestamp, metadata=metadata))
    return Summary(upto_event_id, [event.as_dict() for event in events])


def summary_length(events: Sequence[Event]) -> tuple:
    """(number of leading summary events, id of the last event they summarise or None)."""
    count, upto = 0, None
    for event in events:
        value = (event.metadata or {}).get(SUMMARY_KEY)
        if value is None:
            break
        count, upto = count + 1, value
    return count, upto


class RecentlyUsed:
    """A bounded map, least recently used entry dropped first: per-conversation facts this process
    can always recompute from the database, so losing one costs a query, never correctness."""

    def __init__(self, size: int = MAX_CONVERSATIONS_REMEMBERED) -> None:
        self._size = size
        self._entries: "OrderedDict[Text, Any]" = OrderedDict()

    def get(self, key: Text) -> Any:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: Text, entry: Any) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def pop(self, key: Text) -> Any:
        return self._entries.pop(key, None)
