"""The spaCy pipeline the NLU uses, built offline from what PyPI packages ship.

Pretrained spaCy models cannot be downloaded here, so the pipeline is spaCy's blank English
tokenizer plus the lookup lemmatiser whose tables come with `spacy-lookups-data`. Lemmas let the
count-vector featuriser treat "careers"/"career" and "working"/"worked"/"work" as one feature,
and let the entity lexicon match "kids" to "kid".

    python -m careerbot.nlp build/spacy_en_lookup    # the pipeline config.yml's SpacyNLP loads
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Iterator, Tuple

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language

from careerbot.text_input import fold_accents


def _new_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    nlp.meta["name"] = "en_lookup"
    nlp.meta["description"] = "Blank English tokenizer with lookup lemmatiser (spacy-lookups-data)"
    return nlp


@functools.lru_cache(maxsize=1)
def english() -> Language:
    """The lemmatising pipeline, in memory, for code outside Rasa's NLU pipeline."""
    return _new_pipeline()


@functools.lru_cache(maxsize=1)
def english_words():
    """spaCy's English lookup table and its lemmas, loaded once (a process that will ask
    `is_common_english_word` loads them at start, not during someone's turn)."""
    table = english().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    return table, frozenset(table.values())


def is_common_english_word(word: str) -> bool:
    """Whether spaCy's English lookup table knows the word, as an inflected form or a lemma:
    "looking" and "back" are, "sucide" and most people's names are not."""
    inflected, lemmas = english_words()
    word = word.lower()
    return word in inflected or word in lemmas or word in STOP_WORDS


# Spanish words at least this frequent (log probability) are everyday words, not names.
COMMON_SPANISH_LOG_PROBABILITY = -12.0


def word_log_probabilities(language: str) -> Iterator[Tuple[str, float]]:
    """(word, log probability) for a million words of `language` ("en", "es"), as
    spacy-lookups-data ships them; words of letters only."""
    import gzip
    import json

    import spacy_lookups_data
    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{language}_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        frequencies = json.load(f)
    return ((word, p) for word, p in frequencies.items() if word.isalpha())


@functools.lru_cache(maxsize=1)
def common_spanish_words() -> frozenset:
    """About 11,000 everyday Spanish words, without accents: "nada", "vale", "casa" and "hay"
    are also the names of US towns. A process that will ask `is_common_spanish_word` loads them
    at start, not during someone's turn."""
    return frozenset(fold_accents(word) for word, log_probability in word_log_probabilities("es")
                     if log_probability > COMMON_SPANISH_LOG_PROBABILITY)


def is_common_spanish_word(word: str) -> bool:
    """'nada', 'vale', 'casa' (accents optional) are; 'houston' and 'fresno' are not."""
    return fold_accents(word.lower()) in common_spanish_words()


def build_pipeline(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _new_pipeline().to_disk(path)


if __name__ == "__main__":
    build_pipeline(Path(sys.argv[1]))
