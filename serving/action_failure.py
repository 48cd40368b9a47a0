"""When the action server is down or too slow, tell the person and keep the conversation going.

Rasa 3.6 logs the failed call and carries on as if the action had run with no events, so the
person gets no reply at all and cannot tell whether to wait. Here the person is told that the
lookup is unavailable right now and given the office's contact (the domain's
`utter_action_unavailable`, filled in from office.yml), and the next turn tries again.

Rasa waits five minutes for an action server reply by default; a turn holds the conversation's
lock while it waits, and the lock expires after TICKET_LOCK_LIFETIME (60 s). The action call
timeout is therefore kept well below the lock lifetime, so two turns of one conversation can never
run at once because the first one outlived its lock.

Rasa also checks every action server response against its JSON schema with
`jsonschema.validate`, which first validates the schema itself against the JSON Schema meta-schema,
on every call: about a sixth of a REST turn's time in our profile. The same check is done here
with validators built once, and each event is checked against the schema of its own type: the
schema's `oneOf` tries all 23 event types on every event, which still cost 2.5 ms a call. The
validators are compiled to Python by fastjsonschema: jsonschema's interpreter still took 150 us
for a referral's response of four events, the compiled check 9 us. The schema uses only keywords
that mean the same in draft 7, which fastjsonschema implements, and in the 2020-12 draft
jsonschema applies to it (tests/test_serving.py compares the two on every event type).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
from typing import Any, Callable, List

import fastjsonschema
from jsonschema import ValidationError

import rasa.core.actions.action as rasa_actions
import rasa.core.actions.forms as rasa_forms
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

UNAVAILABLE_RESPONSE = "utter_action_unavailable"
DRAFT_7 = "http://json-schema.org/draft-07/schema#"
DEFAULT_ACTION_TIMEOUT_SECONDS = 15.0


def action_timeout_seconds() -> float:
    return float(os.environ.get("ACTION_SERVER_TIMEOUT") or DEFAULT_ACTION_TIMEOUT_SECONDS)


def lock_lifetime_seconds() -> float:
    return float(os.environ.get("TICKET_LOCK_LIFETIME") or 60)


class RemoteActionWithFallback(RemoteAction):
    """A custom action call that answers the person even when the action server cannot."""

    async def run(self, output_channel, nlg, tracker, domain) -> List:
        try:
            return await super().run(output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise  # a form's validation said no: Rasa's normal flow, not a failure
        except (RasaException, asyncio.TimeoutError, ValidationError) as error:
            # The error names the action and the server, never the conversation's content.
            logger.error("Custom action %s failed: %s", self.name(), type(error).__name__)
            message = await nlg.generate(UNAVAILABLE_RESPONSE, tracker, output_channel.name())
            if not message or _already_said_this_turn(tracker, message.get("text")):
                return []  # e.g. a form's validation and its search both failed: say it once
            return [create_bot_utterance(message)]

    def _validate_action_result(self, result) -> bool:
        _response_validator().validate(result)  # raises ValidationError, as Rasa's does
        return True


class ActionResponseValidator:
    """Rasa's action response schema, with each event validated against its own type only.

    In the schema, every event matches `oneOf` 23 alternatives that differ in the `event` name they
    require, so at most one alternative can apply: checking just that one is the same test.
    """

    def __init__(self, schema: dict) -> None:
        events = schema["properties"]["events"]
        items = dict(events["items"])
        alternatives = items.pop("oneOf")
        self._response = self._validator(
            {**schema, "properties": {**schema["properties"], "events": {**events, "items": items}}})
        self._by_event = {alternative["properties"]["event"]["const"]:
                          self._validator({"allOf": [items, alternative]})
                          for alternative in alternatives}

    @staticmethod
    def _validator(schema: dict) -> Callable[[Any], Any]:
        return fastjsonschema.compile({**schema, "$schema": DRAFT_7})

    def validate(self, result) -> None:
        """Raises jsonschema's ValidationError, as Rasa's check does, for a response that does
        not match the schema."""
        try:
            self._response(result)
            for event in result.get("events") or []:
                by_type = self._by_event.get(event["event"])
                if by_type is None:
                    raise ValidationError(f"Unknown event type {event['event']!r} in the action response")
                by_type(event)
        except fastjsonschema.JsonSchemaValueException as error:
            raise ValidationError(error.message) from error


@functools.lru_cache(maxsize=1)
def _response_validator() -> ActionResponseValidator:
    return ActionResponseValidator(RemoteAction.action_response_format_spec())


def _already_said_this_turn(tracker, text) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.text == text:
            return True
    return False


def install() -> None:
    timeout = action_timeout_seconds()
    if timeout >= lock_lifetime_seconds():
        raise SystemExit(
            f"ACTION_SERVER_TIMEOUT ({timeout:g} s) must be shorter than TICKET_LOCK_LIFETIME "
            f"({lock_lifetime_seconds():g} s), or two turns of a conversation could overlap.")
    # Rasa reads both names at call time from these modules, so replacing them here changes
    # every custom action call: predicted actions, form validations and slot mappings.
    rasa_actions.RemoteAction = RemoteActionWithFallback
    rasa_forms.RemoteAction = RemoteActionWithFallback
    rasa_actions.DEFAULT_REQUEST_TIMEOUT = timeout
