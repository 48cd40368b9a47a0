"""A message that is only a place ("Dallas", "i live in Tucson, AZ", "62704") is an answer."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from careerbot.places import is_place_answer

INFORM = "inform"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PlaceAnswerClassifier(GraphComponent):
    """Sets `inform` when the message says nothing but where the person is. The classifier
    cannot know every town name, and the place rules already found it."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "PlaceAnswerClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            places = [(e["start"], e["end"]) for e in message.get(ENTITIES, [])
                      if e["entity"] == "location"]
            if doc is None or not places or not is_place_answer(doc, places):
                continue
            inform = {"name": INFORM, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != INFORM]
            message.set(INTENT, inform, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [inform] + ranking, add_to_output=True)
        return messages
