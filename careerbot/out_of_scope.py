"""Whether a message is about what this assistant does at all: a second opinion beside DIET.

DIET must choose one of the assistant's intents, and a message on a subject it never saw (chess,
opera, a printer) is mostly words it does not know; it then often chooses confidently by the
shape of the sentence ("why do i keep ...", "is X real", "X vs Y"). This model is trained for
the one question DIET is not: in domain or not.

- A linear model over word and character n-grams trains in seconds, so it learns from far more
  out-of-scope text than DIET could in its training time (thousands of other assistants'
  queries).
- Beside the n-grams it counts the message's English words that this domain never uses
  ("opera", "soprano"): the sign of a new subject, which no list of examples can cover. Typos
  and names are not English words, so they do not count. For the in-domain training examples the
  words are counted against the vocabulary of the other examples only (five folds), so that
  training sees in-domain messages with words of their own, as real visitors write them.
- Questions on any subject at all are also made up for training, by putting English words this
  domain never uses into the shapes of everyday questions ("is {a} real", "{a} vs {b}", "my {a}
  keeps {b}ing"): the shapes DIET took for its own intents, filled with other subjects.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Set

import joblib
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from spacy.tokens import Doc

from careerbot.ngram_model import LinearNgramScorer, ngram_union
from careerbot.nlp import english, english_words, is_common_english_word

FOLDS = 5
# Unknown English words counted up to this many: one or two may be a rare in-domain word.
MAX_UNKNOWN_COUNTED = 3


# Everyday question shapes, for the made-up questions on other subjects.
QUESTION_SHAPES = (
    "what is {a}", "whats a {a}", "is {a} real", "{a} vs {b}", "{a} or {b} which is better",
    "how does {a} work", "why do {a}s {b}", "tell me about {a}", "how do i {a} my {b}",
    "best {a} for {b}", "is it bad to {a}", "can you explain {a}", "who invented the {a}",
    "where do {a}s come from", "how to fix my {a}", "my {a} keeps {b}ing", "i cant {a} my {b}",
    "any tips for {a}", "why is my {a} so {b}", "how long does {a} take")


def read_messages(path: Path) -> List[str]:
    """One message a line; blank lines and `#` comments skipped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def content_lemmas(text: str, doc: Optional[Doc] = None) -> List[str]:
    """The lemmas of a message's words that carry its subject (not "the", "how", "is").
    `doc`: the lower-cased message already parsed by this lemmatising pipeline (Rasa's SpacyNLP
    loads the same one), so that a message is not parsed twice."""
    if doc is None:
        doc = english()(text.lower())
    return [token.lemma_.lower() for token in doc
            if token.is_alpha and not token.is_stop and len(token.text) > 2]


def unknown_word_features(lemmas: Sequence[str], vocabulary: Set[str]) -> List[float]:
    """How many of the English words are unknown to the domain, and what share of them."""
    words = [lemma for lemma in lemmas if is_common_english_word(lemma)]
    unknown = sum(word not in vocabulary for word in words)
    return [min(unknown, MAX_UNKNOWN_COUNTED) / MAX_UNKNOWN_COUNTED,
            unknown / len(words) if words else 0.0]


def questions_on_other_subjects(count: int, vocabulary: Set[str], seed: int = 0) -> List[str]:
    """`count` made-up questions about subjects this domain's `vocabulary` never mentions."""
    _, lemmas = english_words()
    words = sorted(w for w in lemmas if w.isalpha() and 4 <= len(w) <= 10 and w not in vocabulary)
    rng = random.Random(seed)
    return [rng.choice(QUESTION_SHAPES).format(a=rng.choice(words), b=rng.choice(words))
            for _ in range(count)]


class InDomainModel:
    def __init__(self, ngrams: FeatureUnion, classifier: LogisticRegression, vocabulary: Set[str]):
        self._ngrams = ngrams
        self._classifier = classifier
        self._vocabulary = vocabulary
        self._scorer = LinearNgramScorer(ngrams, classifier)

    @classmethod
    def fit(cls, in_domain: Sequence[str], out_of_scope: Sequence[str], regularisation: float,
            in_domain_weight: float, made_up_questions: int = 0, seed: int = 0) -> "InDomainModel":
        """`in_domain_weight`: how much more an in-domain example counts than an out-of-scope
        one; there are several times more of the latter. `made_up_questions`: how many
        questions on other subjects to add to `out_of_scope`."""
        in_lemmas = [content_lemmas(text) for text in in_domain]
        rng = random.Random(seed)
        fold_of = [rng.randrange(FOLDS) for _ in in_domain]
        fold_vocabularies = [{w for lemmas, f in zip(in_lemmas, fold_of) if f != fold for w in lemmas}
                             for fold in range(FOLDS)]
        vocabulary = {word for lemmas in in_lemmas for word in lemmas}
        out_of_scope = list(out_of_scope) + questions_on_other_subjects(made_up_questions,
                                                                        vocabulary, seed)
        unknown = [unknown_word_features(lemmas, fold_vocabularies[fold])
                   for lemmas, fold in zip(in_lemmas, fold_of)]
        unknown += [unknown_word_features(content_lemmas(text), vocabulary) for text in out_of_scope]
        ngrams = ngram_union()
        features = hstack([ngrams.fit_transform(list(in_domain) + list(out_of_scope)),
                           csr_matrix(np.array(unknown))]).tocsr()
        classifier = LogisticRegression(C=regularisation, max_iter=3000,
                                        class_weight={0: 1.0, 1: in_domain_weight})
        classifier.fit(features, [1] * len(in_domain) + [0] * len(out_of_scope))
        return cls(ngrams, classifier, vocabulary)

    def in_domain_probability(self, texts: Sequence[str],
                              docs: Optional[Sequence[Optional[Doc]]] = None) -> np.ndarray:
        """The classifier's probability of the in-domain class, as scikit-learn's predict_proba
        computes it (tests/test_out_of_scope.py holds the two equal). `docs`: as for
        `content_lemmas`, one a text."""
        probabilities = []
        for text, doc in zip(texts, docs or [None] * len(texts)):
            unknown = unknown_word_features(content_lemmas(text, doc), self._vocabulary)
            probabilities.append(self._scorer.probability(text, unknown))
        return np.array(probabilities)

    def in_domain_probability_by_scikit_learn(self, texts: Iterable[str]) -> np.ndarray:
        """The same through scikit-learn's own transform and predict_proba."""
        texts = list(texts)
        unknown = [unknown_word_features(content_lemmas(text), self._vocabulary) for text in texts]
        features = hstack([self._ngrams.transform(texts), csr_matrix(np.array(unknown))]).tocsr()
        return self._classifier.predict_proba(features)[:, 1]

    def save(self, path: Path) -> None:
        joblib.dump({"ngrams": self._ngrams, "classifier": self._classifier,
                     "vocabulary": sorted(self._vocabulary)}, path)

    @classmethod
    def load(cls, path: Path) -> "InDomainModel":
        saved = joblib.load(path)
        return cls(saved["ngrams"], saved["classifier"], set(saved["vocabulary"]))
