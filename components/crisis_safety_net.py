"""Crisis messages become the `crisis` intent, from the rules, the crisis model or the NLU
classifier (careerbot.safety). The crisis model is trained here, from data/crisis/ and the NLU
examples.

Last in the pipeline, so that nothing after it can undo it. It also adds the entities the answer
depends on: `crisis_type` (suicide, danger, domestic_violence, someone_else) and `language` (the
reply to a crisis written in Spanish is in Spanish), and records in the parse result how the
decision was reached (`crisis_detection`), which the safety tests measure.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from careerbot.out_of_scope import read_messages
from careerbot.safety import VIOLENCE, CrisisDecision, Judgements, combine, warm_up
from careerbot.safety.model import CrisisModel

CRISIS_INTENT = "crisis"
FALLBACK_INTENT = "nlu_fallback"
DETECTION_KEY = "crisis_detection"
SOMEONE_ELSE = "someone_else"
MODEL_FILE = "crisis.joblib"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class CrisisSafetyNet(GraphComponent, EntityExtractorMixin):

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # The crisis model's probability and DIET's `crisis` confidence from which, without
            # any rule, a message is taken as a crisis (careerbot/safety/decision.py).
            "model_threshold": 0.7,
            "classifier_threshold": 0.5,
            # The FallbackClassifier's threshold: a message whose `crisis` is set aside falls
            # back when the classifier's next choice is below it, as that choice would have on
            # its own.
            "fallback_threshold": 0.7,
            # The crisis model's examples beside the NLU data's: files of one message a line,
            # relative to the project.
            "crisis_files": [],
            "not_crisis_files": [],
            "regularisation": 10.0,
            # How much more a crisis example counts than one that is not.
            "crisis_weight": 3.0,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[CrisisModel] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model
        warm_up()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisSafetyNet":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "CrisisSafetyNet":
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, CrisisModel.load(directory / MODEL_FILE))

    def train(self, training_data: TrainingData) -> Resource:
        crises = [m.get(TEXT) for m in training_data.intent_examples if m.get(INTENT) == CRISIS_INTENT]
        others = [m.get(TEXT) for m in training_data.intent_examples if m.get(INTENT) != CRISIS_INTENT]
        for name in self._config["crisis_files"]:
            crises += read_messages(Path(name))
        for name in self._config["not_crisis_files"]:
            others += read_messages(Path(name))
        self._model = CrisisModel.fit(crises, others, self._config["regularisation"],
                                      self._config["crisis_weight"])
        with self._storage.write_to(self._resource) as directory:
            self._model.save(directory / MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            threshold = float(self._config["model_threshold"])
            probability, parts = self._model.alarming(text or "", threshold) if self._model else (0.0, ())
            judgements = Judgements(
                model_probability=probability, alarming_parts=parts,
                classifier_confidence=_classifier_confidence(message),
                classifier_threshold=float(self._config["classifier_threshold"]))
            decision = combine(text, judgements)
            message.set(DETECTION_KEY, {
                "crisis": decision is not None,
                "sources": list(decision.sources) if decision else [],
                "rules": list(decision.rules) if decision else [],
                "model_probability": round(judgements.model_probability, 4),
                "classifier_confidence": round(judgements.classifier_confidence, 4)},
                add_to_output=True)
            if decision is not None:
                self._mark_crisis(message, decision)
            elif (message.get(INTENT) or {}).get("name") == CRISIS_INTENT:
                _demote_crisis(message, float(self._config["fallback_threshold"]))
        return messages

    def _mark_crisis(self, message: Message, decision: CrisisDecision) -> None:
        crisis = {"name": CRISIS_INTENT, "confidence": 1.0}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != CRISIS_INTENT]
        message.set(INTENT, crisis, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [crisis] + ranking, add_to_output=True)
        kind = SOMEONE_ELSE if decision.about_someone_else and decision.kind != VIOLENCE else decision.kind
        end = len(message.get(TEXT) or "")
        entities = [{"entity": "crisis_type", "value": kind, "start": 0, "end": end,
                     "confidence_entity": 1.0},
                    {"entity": "language", "value": decision.language, "start": 0, "end": end,
                     "confidence_entity": 1.0}]
        # The crisis answer's language is the crisis rules' (a Spanglish crisis that only English
        # rules matched is answered in Spanish when most of it is Spanish), not the detector's.
        kept = [e for e in message.get(ENTITIES, []) if e.get("entity") != "language"]
        message.set(ENTITIES, kept + self.add_extractor_name(entities), add_to_output=True)


def _demote_crisis(message: Message, fallback_threshold: float) -> None:
    """The classifier's `crisis` on a message that is not one ("this commute is killing me", "how
    many hours of sleep do i need") gives way to its next choice, or, when that choice is below
    the fallback threshold, to the fallback, as Rasa's FallbackClassifier would have decided."""
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != CRISIS_INTENT]
    if not ranking or (ranking[0].get("confidence") or 0.0) < fallback_threshold:
        ranking = [{"name": FALLBACK_INTENT, "confidence": fallback_threshold}] + ranking
    message.set(INTENT, ranking[0], add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _classifier_confidence(message: Message) -> float:
    """The classifier's confidence in `crisis`, whether or not it was its first choice (the
    fallback classifier may have replaced a low first choice with nlu_fallback)."""
    intent: Optional[dict] = message.get(INTENT)
    if intent and intent.get("name") == CRISIS_INTENT:
        return float(intent.get("confidence") or 0.0)
    for ranked in message.get(INTENT_RANKING_KEY) or []:
        if ranked.get("name") == CRISIS_INTENT:
            return float(ranked.get("confidence") or 0.0)
    return 0.0
