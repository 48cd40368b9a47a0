"""Rejects as out of scope the messages that careerbot.out_of_scope finds unlike this domain,
whatever intent DIET chose for them (its confidence comes from choosing among our intents only)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from careerbot.out_of_scope import InDomainModel, read_messages

OUT_OF_SCOPE = "out_of_scope"
NOT_UNDERSTOOD = {OUT_OF_SCOPE, "nlu_fallback"}
MODEL_FILE = "in_domain.joblib"
# In the parse result: the in-domain probability of each message, for the evaluation.
PROBABILITY_KEY = "in_domain_probability"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class OutOfScopeRejector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Below this in-domain probability a message is out of scope.
            "threshold": 0.3,
            # Files of out-of-scope messages (one a line, relative to the project) used by this
            # model only, beside the training data's `out_of_scope` examples.
            "out_of_scope_files": [],
            "regularisation": 3.0,
            "in_domain_weight": 3.0,
            # Made-up questions on other subjects added to the out-of-scope examples.
            "made_up_questions": 0,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[InDomainModel] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "OutOfScopeRejector":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "OutOfScopeRejector":
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, InDomainModel.load(directory / MODEL_FILE))

    def train(self, training_data: TrainingData) -> Resource:
        in_domain, out_of_scope = [], []
        for example in training_data.intent_examples:
            (out_of_scope if example.get(INTENT) == OUT_OF_SCOPE else in_domain).append(example.get(TEXT))
        for name in self._config["out_of_scope_files"]:
            out_of_scope += read_messages(Path(name))
        self._model = InDomainModel.fit(in_domain, out_of_scope, self._config["regularisation"],
                                        self._config["in_domain_weight"],
                                        self._config["made_up_questions"])
        with self._storage.write_to(self._resource) as directory:
            self._model.save(directory / MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [m.get(TEXT) or "" for m in messages]
        if self._model is None or not any(texts):
            return messages
        # SpacyNLP has parsed each message with the pipeline the model lemmatises with.
        docs = [m.get(SPACY_DOCS[TEXT]) for m in messages]
        for message, probability in zip(messages, self._model.in_domain_probability(texts, docs)):
            message.set(PROBABILITY_KEY, round(float(probability), 4), add_to_output=True)
            intent = (message.get(INTENT) or {}).get("name")
            if probability >= self._config["threshold"] or intent in NOT_UNDERSTOOD:
                continue
            rejected = {"name": OUT_OF_SCOPE, "confidence": round(1.0 - float(probability), 4)}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != OUT_OF_SCOPE]
            message.set(INTENT, rejected, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [rejected] + ranking, add_to_output=True)
        return messages
