"""Rules and classifier together: a message is a crisis when the rules say so, or when the NLU
classifier is confident enough and the message speaks of death, harm, danger or fear without
using the words figuratively (detector.classifier_may_decide).

Recall comes first: the rules are written to miss nothing they cover, the classifier catches
wordings no rule foresaw, and its threshold (config.yml, CrisisSafetyNet) is set low.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from careerbot.safety.detector import SUICIDE, classifier_may_decide, detect_crisis

RULES, CLASSIFIER, BOTH = "rules", "classifier", "rules+classifier"


@dataclass(frozen=True)
class CrisisDecision:
    kind: str
    language: str
    about_someone_else: bool
    source: str  # RULES, CLASSIFIER or BOTH
    rules: tuple


def combine(text: Optional[str], classifier_confidence: float,
            threshold: float) -> Optional[CrisisDecision]:
    """The crisis decision for a message, given the classifier's confidence in `crisis`."""
    signal = detect_crisis(text)
    classifier_says = classifier_confidence >= threshold
    if signal is not None:
        return CrisisDecision(signal.kind, signal.language, signal.about_someone_else,
                              BOTH if classifier_says else RULES, signal.rules)
    if classifier_says and classifier_may_decide(text):
        return CrisisDecision(SUICIDE, "en", False, CLASSIFIER, ())
    return None
