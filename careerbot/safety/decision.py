"""Rules, the crisis model and the NLU classifier together. A message is a crisis when:
- the rules say so;
- the crisis model (careerbot/safety/model.py) is confident enough of a part of the message that
  does not use the words figuratively or professionally ("this commute is killing me", "suicide
  hotline jobs"): an idiom in another sentence of a long message sets nothing aside;
- or DIET's `crisis` confidence is high enough and the message also speaks of death, harm,
  danger or fear (detector.classifier_may_decide).

Recall comes first: the rules are written to miss nothing they cover, the two classifiers catch
wordings no rule foresaw, and their thresholds (config.yml, CrisisSafetyNet) are set low.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from careerbot.safety.detector import (SUICIDE, classifier_may_decide, detect_crisis,
                                       figurative, message_language)

RULES, MODEL, CLASSIFIER = "rules", "model", "classifier"


@dataclass(frozen=True)
class CrisisDecision:
    kind: str
    language: str
    about_someone_else: bool
    sources: Tuple[str, ...]  # which of RULES, MODEL and CLASSIFIER found it, each on its own
    rules: Tuple[str, ...]


@dataclass(frozen=True)
class Judgements:
    """What the two classifiers think of a message, and from where each decides alone."""

    model_probability: float  # of the message's most alarming part
    alarming_parts: Tuple[str, ...]  # the parts whose probability reaches the model's threshold
    classifier_confidence: float
    classifier_threshold: float


def combine(text: Optional[str], judgements: Judgements) -> Optional[CrisisDecision]:
    """The crisis decision for a message. The rules also tell what kind of crisis it is and
    whom it is about; a crisis only a classifier found gets the general crisis answer, which
    holds for every kind (911, 988, the Crisis Text Line)."""
    signal = detect_crisis(text)
    model_says = any(not figurative(part) for part in judgements.alarming_parts)
    classifier_says = (judgements.classifier_confidence >= judgements.classifier_threshold
                       and classifier_may_decide(text))
    sources = tuple(source for source, says in ((RULES, signal is not None), (MODEL, model_says),
                                                (CLASSIFIER, classifier_says)) if says)
    if signal is not None:
        return CrisisDecision(signal.kind, signal.language, signal.about_someone_else, sources,
                              signal.rules)
    if sources:
        return CrisisDecision(SUICIDE, message_language(text), False, sources, ())
    return None
