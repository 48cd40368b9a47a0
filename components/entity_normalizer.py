"""Entities normalised to the NLU contract's values with the spaCy lemma lexicon."""
from __future__ import annotations

from typing import Any, Dict, List, Set, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from careerbot.entity_lexicon import EntityLexicon

# The entity each intent is about: when the classifier found the intent but not the entity,
# the lexicon looks for it in the whole message.
ENTITY_OF_INTENT = {
    "share_barrier": "barrier",
    "ask_job_vs_career": "aspect",
    "find_resource": "resource_type",
}
SEVERAL_AT_A_TIME = {"barrier"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class EntityLexiconNormalizer(GraphComponent, EntityExtractorMixin):
    """Maps aspect/barrier/resource_type spans to contract values, drops spans that carry none,
    and fills in the intent's entity from the lexicon when the classifier missed it."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [SpacyNLP]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EntityLexiconNormalizer":
        return cls(EntityLexicon.default())

    def __init__(self, lexicon: EntityLexicon) -> None:
        self._lexicon = lexicon

    def _missed(self, wanted: Text, doc, entities: List[Dict[Text, Any]],
                seen: Set[Tuple[Text, Text]]) -> List[Dict[Text, Any]]:
        """The intent's entity from the lexicon, when the classifier missed it. Barriers come
        several at a time ("no car and no one to watch my kids"): each one missed is added."""
        several = wanted in SEVERAL_AT_A_TIME
        if not several and any(e["entity"] == wanted for e in entities):
            return []
        added, values = [], set()
        for start, end, value in self._lexicon.find(wanted, doc):
            overlaps = any(e.get("start", 0) < end and start < e.get("end", 0) for e in entities)
            if (wanted, value) in seen or value in values or overlaps:
                continue
            values.add(value)
            added.append({"entity": wanted, "value": value, "start": start, "end": end,
                          "confidence_entity": 1.0})
            if not several:
                break
        return self.add_extractor_name(added)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            entities, seen = [], set()
            for entity in message.get(ENTITIES, []):
                span = doc.char_span(entity.get("start", 0), entity.get("end", 0),
                                     alignment_mode="expand")
                value = (self._lexicon.value_for(entity["entity"], entity["value"], span.as_doc())
                         if span is not None else entity["value"])
                if value is None or (entity["entity"], value) in seen:
                    continue
                seen.add((entity["entity"], value))
                entities.append({**entity, "value": value})
            wanted = ENTITY_OF_INTENT.get((message.get(INTENT) or {}).get("name"))
            if wanted:
                entities += self._missed(wanted, doc, entities, seen)
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
