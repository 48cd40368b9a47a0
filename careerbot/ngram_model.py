"""A logistic regression over word and character n-grams, scored one message at a time without
scikit-learn's per-call machinery (input checks, sparse matrices, the feature union's stacking):
that cost 1.5 ms a message, several times the arithmetic. Used by the out-of-scope model
(careerbot/out_of_scope.py) and the crisis model (careerbot/safety/model.py)."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_union


def ngram_union() -> FeatureUnion:
    """Word unigrams and bigrams, and character 2- to 4-grams inside words (typos and Spanish
    inflections share most of them), each sublinear TF-IDF."""
    return make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2))


class _NgramWeights:
    """One TF-IDF vectoriser of the union with its slice of the classifier's weights."""

    def __init__(self, vectorizer: TfidfVectorizer, weights: np.ndarray):
        self.analyse = vectorizer.build_analyzer()
        idf = vectorizer.idf_
        self.weighted = {term: (float(idf[index]), float(weights[index]))
                         for term, index in vectorizer.vocabulary_.items()}

    def score(self, text: str) -> float:
        """This vectoriser's share of the classifier's decision: sublinear TF-IDF, L2-normalised,
        dotted with its weights."""
        counts: dict = {}
        for term in self.analyse(text):
            if term in self.weighted:
                counts[term] = counts.get(term, 0) + 1
        # math, not numpy: on one number at a time numpy's call overhead was most of the cost.
        values = [(1.0 + math.log(count)) * self.weighted[term][0] for term, count in counts.items()]
        norm = math.sqrt(sum(v * v for v in values))
        if not norm:
            return 0.0
        return sum(v * self.weighted[term][1] for v, term in zip(values, counts)) / norm


class LinearNgramScorer:
    """The positive class's probability of a fitted `ngram_union` + LogisticRegression, whose
    features may end with a few dense ones of the caller's (`extra`)."""

    def __init__(self, ngrams: FeatureUnion, classifier: LogisticRegression):
        weights, start = classifier.coef_[0], 0
        self._ngram_weights = []
        for _, vectorizer in ngrams.transformer_list:
            width = len(vectorizer.vocabulary_)
            self._ngram_weights.append(_NgramWeights(vectorizer, weights[start:start + width]))
            start += width
        self._extra_weights = [float(w) for w in weights[start:]]
        self._intercept = float(classifier.intercept_[0])

    def probability(self, text: str, extra: Sequence[float] = ()) -> float:
        decision = self._intercept + sum(w * x for w, x in zip(self._extra_weights, extra))
        decision += sum(ngram.score(text) for ngram in self._ngram_weights)
        return 1.0 / (1.0 + math.exp(-decision))
