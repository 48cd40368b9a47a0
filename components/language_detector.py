"""The language each message is written in becomes the `language` entity, which fills the slot
that domain.yml's Spanish response variations are conditioned on (careerbot/language.py).

A message that is evidence of neither language (a ZIP code, a name, "ok") adds nothing, so the
conversation stays in its language. A short message that only asks for a language ("en español
por favor", "english please") becomes the `switch_language` intent. Places and contact details
other components found are left out of the judgement: "Los Angeles" is not Spanish.

The word frequency table is built from spacy-lookups-data when the model is trained and stored in
the model, so the server reads one small file at start-up.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from careerbot.language import LanguageDetector, warm_up, word_table_from_spacy_lookups

SWITCH_INTENT = "switch_language"
LANGUAGE_ENTITY = "language"
WORD_TABLE_FILE = "language_words.json"
# Entities that are names, places or contact details, not words of a language.
NOT_LANGUAGE_ENTITIES = ("location", "contact_name", "contact_detail")
# What the classifier may make of a request for a language that is nothing else.
REQUEST_OR_NOTHING = {SWITCH_INTENT, "nlu_fallback", "out_of_scope"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class LanguageDetection(GraphComponent, EntityExtractorMixin):

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # careerbot.language.LanguageDetector's settings, chosen on
            # tests/language/detection_tuning.tsv only.
            "vote_margin": 1.0,
            "min_confidence": 0.6,
            # A message that asks for a language in this many words or fewer is the request
            # itself; a longer one is too when the classifier found no other intent in it.
            "switch_request_max_words": 4,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 word_table: Optional[Dict[str, float]] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._detector = LanguageDetector(word_table or {}, float(config["vote_margin"]),
                                          float(config["min_confidence"]))
        warm_up()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageDetection":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LanguageDetection":
        with model_storage.read_from(resource) as directory:
            table = json.loads((directory / WORD_TABLE_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, table)

    def train(self, training_data: TrainingData) -> Resource:
        table = word_table_from_spacy_lookups()
        with self._storage.write_to(self._resource) as directory:
            (directory / WORD_TABLE_FILE).write_text(json.dumps(table), encoding="utf-8")
        self._detector = LanguageDetector(table, float(self._config["vote_margin"]),
                                          float(self._config["min_confidence"]))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            metadata = message.get("metadata") or {}
            judgement = self._detector.judge(
                text, hint=metadata.get("language") if isinstance(metadata, dict) else None,
                ignored=_not_language_spans(message, text))
            if judgement.language is None:
                continue
            entity = {"entity": LANGUAGE_ENTITY, "value": judgement.language, "start": 0,
                      "end": len(text), "confidence_entity": 1.0}
            message.set(ENTITIES, [e for e in message.get(ENTITIES, [])
                                   if e.get("entity") != LANGUAGE_ENTITY]
                        + self.add_extractor_name([entity]), add_to_output=True)
            if judgement.switch_requested and self._is_the_request(message, text):
                switch = {"name": SWITCH_INTENT, "confidence": 1.0}
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                           if r.get("name") != SWITCH_INTENT]
                message.set(INTENT, switch, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [switch] + ranking, add_to_output=True)
        return messages


    def _is_the_request(self, message: Message, text: str) -> bool:
        """The message is the request for a language itself, not a question that also asks for
        one ("quiero un consejero que hable español" stays a request for a person, in Spanish)."""
        intent = (message.get(INTENT) or {}).get("name")
        return (len(text.split()) <= int(self._config["switch_request_max_words"])
                or intent in REQUEST_OR_NOTHING)


def _not_language_spans(message: Message, text: str) -> List[Tuple[int, int]]:
    spans = []
    for entity in message.get(ENTITIES, []):
        if entity.get("entity") not in NOT_LANGUAGE_ENTITIES:
            continue
        if entity["entity"] == "location":
            spans.append((entity["start"], entity["end"]))
            continue
        # Contact entities span the whole message; their values are what to leave out.
        value = str(entity.get("value") or "")
        for part in value.split():
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(part), text, re.I)]
    return spans
