"""A second reader of crises beside the rules: a logistic regression over word and character
n-grams, trained on crises and look-alikes written the way visitors type (data/crisis/).

The rules catch what they were written for. On crises written by someone who never saw them they
catch fewer (tests/safety/README.md), because people hint ("i wont need a job where im going"),
and no list of phrasings holds every hint. A model trained on a thousand crises learns what
such messages share, in English and Spanish, and trains in seconds.

A crisis said once inside a long message is a small part of that message's n-grams, so the model
also reads each sentence of a long message, and windows of a long unpunctuated one: a message is
as alarming as its most alarming part.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import List, Sequence, Tuple

import joblib
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from careerbot.ngram_model import LinearNgramScorer, ngram_union
from careerbot.text_input import fold_accents

# A message of up to this many words is read whole only.
WHOLE_MESSAGE_WORDS = 20
# Longer sentences are read in windows of this many words, half a window apart.
WINDOW_WORDS = 16
_SENTENCE_END = re.compile(r"[.!?;\n]+")


def passages(text: str) -> List[str]:
    """The parts of a message the model reads: the whole, and for a long message each sentence
    or window. Accents are folded: people type Spanish with and without them."""
    text = fold_accents(text.lower())
    words = text.split()
    if len(words) <= WHOLE_MESSAGE_WORDS:
        return [text]
    parts = [text]
    stride = WINDOW_WORDS // 2
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        if len(words) <= WINDOW_WORDS:
            parts += [sentence] if words else []
            continue
        parts += [" ".join(words[i:i + WINDOW_WORDS])
                  for i in range(0, len(words) - WINDOW_WORDS + stride, stride)]
    return parts


class CrisisModel:
    def __init__(self, ngrams: FeatureUnion, classifier: LogisticRegression):
        self._ngrams = ngrams
        self._classifier = classifier
        self._scorer = LinearNgramScorer(ngrams, classifier)

    @classmethod
    def fit(cls, crises: Sequence[str], others: Sequence[str], regularisation: float,
            crisis_weight: float) -> "CrisisModel":
        """`others`: messages that are no crisis. Every part of such a message is no crisis
        either, so its sentences and windows are examples too: the model is asked about them."""
        positives = [passages(text)[0] for text in crises]
        negatives = [part for text in others for part in passages(text)]
        ngrams = ngram_union()
        features = ngrams.fit_transform(positives + negatives)
        classifier = LogisticRegression(C=regularisation, max_iter=3000,
                                        class_weight={0: 1.0, 1: crisis_weight})
        classifier.fit(features, [1] * len(positives) + [0] * len(negatives))
        return cls(ngrams, classifier)

    def scored_passages(self, text: str) -> List[Tuple[float, str]]:
        """Each part of the message the model reads, with how likely it is a crisis."""
        return [(self._scorer.probability(part), part) for part in passages(text)] if text.strip() else []

    def probability(self, text: str) -> float:
        """How likely the message's most alarming part is a crisis."""
        return max((p for p, _ in self.scored_passages(text)), default=0.0)

    def alarming(self, text: str, threshold: float) -> Tuple[float, Tuple[str, ...]]:
        """The probability of the message's most alarming part, and every part whose probability
        reaches `threshold`."""
        scored = self.scored_passages(text)
        return (max((p for p, _ in scored), default=0.0),
                tuple(part for p, part in scored if p >= threshold))

    def probability_by_scikit_learn(self, text: str) -> float:
        """The same through scikit-learn's own transform and predict_proba."""
        return float(self._classifier.predict_proba(self._ngrams.transform(passages(text)))[:, 1].max())

    def save(self, path: Path) -> None:
        joblib.dump({"ngrams": self._ngrams, "classifier": self._classifier}, path)

    @classmethod
    def load(cls, path: Path) -> "CrisisModel":
        saved = joblib.load(path)
        return cls(saved["ngrams"], saved["classifier"])
