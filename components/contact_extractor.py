"""Contact details given in passing become entities, and a message that leaves them is a request
to be called back.

"can someone call me back, I'm Ana Ruiz, 312 555 0147": the name and the phone number are found
wherever they stand (careerbot/contact.py, phone numbers by libphonenumber), so the counselor
request starts with them filled in instead of asking for them again. A message the classifier
took for a plain answer (`inform`) or did not understand, but which holds a phone number or an
e-mail address and no place, is the person leaving their details: `request_callback`; one it did
not understand that gives a name ("sure, it's Ana") agrees to leave them: `affirm`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from careerbot.contact import contact_in_passing
from careerbot.nlp import is_common_english_word

CALLBACK_INTENT, AGREEING_INTENT = "request_callback", "affirm"
# What the classifier says of a message that is only contact details ("i'm Ana, 312 555 0147").
_READ_AS_CALLBACK = {"inform", "nlu_fallback", "out_of_scope", "affirm", "greet"}
_NOT_UNDERSTOOD = {"nlu_fallback", "out_of_scope"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ContactExtractor(GraphComponent, EntityExtractorMixin):

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ContactExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            found = contact_in_passing(text, is_common_english_word)
            entities = []
            if found.name:
                entities.append({"entity": "contact_name", "value": found.name})
            if found.detail:
                entities.append({"entity": "contact_detail", "value": found.detail.value})
            if not entities:
                continue
            for entity in entities:
                entity.update(start=0, end=len(text), confidence_entity=1.0)
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(entities),
                        add_to_output=True)
            intent = (message.get(INTENT) or {}).get("name")
            places = any(e["entity"] == "location" for e in message.get(ENTITIES, []))
            if found.detail and intent in _READ_AS_CALLBACK and not places:
                _set_intent(message, CALLBACK_INTENT)
            elif found.name and intent in _NOT_UNDERSTOOD:
                _set_intent(message, AGREEING_INTENT)
        return messages


def _set_intent(message: Message, name: str) -> None:
    chosen = {"name": name, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen] + ranking, add_to_output=True)
