"""Intents that lead to the same answer are not ambiguous with each other.

"can a counselor email me" is a request for a person (request_human) and for a call back
(request_callback) about equally; DIET splits its confidence between the two, and the fallback
classifier, seeing two close intents under its threshold, would answer "did you mean ...?" to a
clear request. Placed before the FallbackClassifier, this joins such a pair: the first of the two
with their summed confidence.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EquivalentIntents(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Groups of intents with the same answer.
        return {"groups": []}

    def __init__(self, groups: List[List[Text]]) -> None:
        self._group_of = {intent: frozenset(group) for group in groups for intent in group}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EquivalentIntents":
        return cls(config["groups"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            if len(ranking) < 2:
                continue
            group = self._group_of.get(ranking[0].get("name"))
            if not group or ranking[1].get("name") not in group:
                continue
            joined = [r for r in ranking if r.get("name") in group]
            first = {"name": ranking[0]["name"],
                     "confidence": sum(r.get("confidence") or 0.0 for r in joined)}
            rest = [r for r in ranking if r.get("name") not in group]
            message.set(INTENT, first, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [first] + rest, add_to_output=True)
        return messages
