"""Responses filled with the office's details from office.yml.

Domain responses may use {office_name}, {office_phone}, {office_email}, {office_address},
{office_hours} and {office_website}. Filling them here, in the Rasa server, means the office's
contact details reach the person even when the action server is down.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from careerbot.office import current_office


class OfficeResponseGenerator(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self._office_values = current_office().template_values()

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
