"""Crisis messages become the `crisis` intent, from the rules or the classifier (careerbot.safety).

Last in the pipeline, so that nothing after it can undo it. It also adds the entities the answer
depends on: `crisis_type` (suicide, danger, domestic_violence, someone_else) and `language` (the
reply to a crisis written in Spanish is in Spanish), and records in the parse result how the
decision was reached (`crisis_detection`), which the safety tests measure.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from careerbot.safety import VIOLENCE, CrisisDecision, combine, warm_up

CRISIS_INTENT = "crisis"
FALLBACK_INTENT = "nlu_fallback"
DETECTION_KEY = "crisis_detection"
SOMEONE_ELSE = "someone_else"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisSafetyNet(GraphComponent, EntityExtractorMixin):

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # The classifier's `crisis` confidence from which, without any rule, a message is taken
        # as a crisis (unless it uses the words figuratively). Chosen on tests/safety/*_tuning.tsv.
        # The FallbackClassifier's threshold: a message whose `crisis` is set aside falls back when
        # the classifier's next choice is below it, as that choice would have on its own.
        return {"classifier_threshold": 0.5, "fallback_threshold": 0.7}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._threshold = float(config["classifier_threshold"])
        self._fallback_threshold = float(config["fallback_threshold"])
        warm_up()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisSafetyNet":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            confidence = _classifier_confidence(message)
            decision = combine(text, confidence, self._threshold)
            message.set(DETECTION_KEY, {
                "crisis": decision is not None, "source": decision.source if decision else None,
                "rules": list(decision.rules) if decision else [],
                "classifier_confidence": round(confidence, 4)}, add_to_output=True)
            if decision is not None:
                self._mark_crisis(message, decision)
            elif (message.get(INTENT) or {}).get("name") == CRISIS_INTENT:
                _demote_crisis(message, self._fallback_threshold)
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
        message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(entities),
                    add_to_output=True)


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
