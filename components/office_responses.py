"""Responses filled with the office's details from office.yml, and kept safe after a crisis.

Domain responses may use {office_name}, {office_phone}, {office_email}, {office_address},
{office_hours} and {office_website}. Filling them here, in the Rasa server, means the office's
contact details reach the person even when the action server is down.

Three additions to Rasa's choice of response, made here, in the Rasa server, so that they hold
when the action server is down:
- When several conditional variations match, the most specific one (most conditions; the first
  listed among equals) is given, where Rasa picks at random: a person who wrote in Spanish about
  violence at home gets the variation for both, never the English one by chance.
- The response says which language it is in (`language`), for the channel.
- Once a conversation has raised the crisis flag, every reply that does not already give the
  help lines carries a button that brings them back.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

import numpy as np
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from careerbot.language import DEFAULT_LANGUAGE
from careerbot.office import current_office


CRISIS_FLAG_SLOT = "crisis_flag"
LANGUAGE_SLOT = "language"
CRISIS_LINE = "988"
HELP_LINES_BUTTON = {"en": {"title": "Crisis help lines", "payload": "/crisis"},
                     "es": {"title": "Líneas de ayuda", "payload": "/crisis"}}


class OfficeResponseGenerator(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self._office_values = current_office().template_values()

    def _random_response_for(self, utter_action: Text, output_channel: Text,
                             filled_slots: Dict[Text, Any]) -> Optional[Dict[Text, Any]]:
        suitable = ResponseVariationFilter(self.responses).responses_for_utter_action(
            utter_action, output_channel, filled_slots) if utter_action in self.responses else []
        if not suitable:
            return None
        most_conditions = max(len(r.get("condition") or ()) for r in suitable)
        if most_conditions == 0:
            return np.random.choice(suitable)
        return next(r for r in suitable if len(r.get("condition") or ()) == most_conditions)

    def generate_from_slots(self, utter_action: Text, filled_slots: Dict[Text, Any],
                            output_channel: Text, **kwargs: Any) -> Optional[Dict[Text, Any]]:
        response = super().generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
        if response is not None:
            # Every response has a variation in each language (tests/test_spanish_content.py):
            # the channel is told which, so the widget's own words can follow the conversation.
            response["language"] = filled_slots.get(LANGUAGE_SLOT) or DEFAULT_LANGUAGE
        if (response is not None and filled_slots.get(CRISIS_FLAG_SLOT)
                and CRISIS_LINE not in (response.get("text") or "")):
            button = HELP_LINES_BUTTON.get(response["language"], HELP_LINES_BUTTON[DEFAULT_LANGUAGE])
            response["buttons"] = list(response.get("buttons") or []) + [dict(button)]
        return response

    def _fill_response(self, response: Dict[Text, Any],
                       filled_slots: Optional[Dict[Text, Any]] = None,
                       **kwargs: Any) -> Dict[Text, Any]:
        # Button payloads carry entities as JSON ('/ask_job_vs_career{"aspect": "goals"}'), not
        # placeholders; interpolating them would log every such button as a missing slot.
        payloads = [button.pop("payload", None) for button in response.get("buttons", [])]
        filled = super()._fill_response(response, filled_slots, **kwargs)
        for button, payload in zip(filled.get("buttons", []), payloads):
            if payload is not None:
                button["payload"] = payload
        return filled

    def _response_variables(self, filled_slots: Dict[Text, Any],
                            kwargs: Dict[Text, Any]) -> Dict[Text, Any]:
        variables = dict(self._office_values)
        variables.update(super()._response_variables(filled_slots, kwargs))
        return variables
