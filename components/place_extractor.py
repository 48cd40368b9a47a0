"""`location` entities found by spaCy rules over US place names and ZIP codes."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from careerbot.places import PlaceIndex, warm_up


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PlaceEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds a `location` entity for each ZIP code or place name the rules find."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [SpacyNLP]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "PlaceEntityExtractor":
        return cls(warm_up())

    def __init__(self, index: PlaceIndex) -> None:
        self._index = index

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            if not text:
                continue
            doc = message.get(SPACY_DOCS[TEXT])
            # SpacyNLP lower-cases the text; offsets only carry over if the length is unchanged.
            mentions = (self._index.extract(doc) if doc is not None and len(doc.text) == len(text)
                        else self._index.extract_text(text))
            found = [{"entity": "location", "value": text[m.start:m.end], "start": m.start,
                      "end": m.end, "confidence_entity": 1.0} for m in mentions]
            if found:
                entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
