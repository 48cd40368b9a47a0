"""Contract values for entity spans, and in whole messages, by spaCy lemma rules.

The classifier finds entity spans but cannot know every way people say "no car" or "dental plan".
This lexicon (careerbot/data/entity_lexicon.yml) maps a span to the contract's value by the
lemmas it contains, and drops spans that carry no value at all (the classifier sometimes tags
a stray "no" or "terms"): a slot only ever receives a value the conversation understands.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from careerbot.nlp import english

LEXICON_FILE = Path(__file__).parent / "data" / "entity_lexicon.yml"


class EntityLexicon:
    def __init__(self, table: Dict[str, Dict[str, List[str]]]):
        self.values = {entity: set(values) for entity, values in table.items()}
        # Phrases as lemma sequences, made once with the lemmatising pipeline.
        nlp = english()
        self._patterns = {
            entity: {value: [[t.lemma_.lower() for t in nlp(phrase.lower())] for phrase in phrases]
                     for value, phrases in values.items()}
            for entity, values in table.items()
        }
        self._matchers: Dict[Tuple[int, str], PhraseMatcher] = {}

    @classmethod
    @functools.lru_cache(maxsize=1)
    def default(cls) -> "EntityLexicon":
        return cls(yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8")))

    def _matcher(self, vocab, entity: str) -> PhraseMatcher:
        key = (id(vocab), entity)
        if key not in self._matchers:
            matcher = PhraseMatcher(vocab, attr="LEMMA")
            for value, patterns in self._patterns[entity].items():
                matcher.add(value, [Doc(vocab, words=p, lemmas=p) for p in patterns])
            self._matchers[key] = matcher
        return self._matchers[key]

    def find(self, entity: str, doc: Doc) -> List[Tuple[int, int, str]]:
        """(start_char, end_char, value) of each lexicon phrase for `entity` in the doc."""
        matcher = self._matcher(doc.vocab, entity)
        found = []
        for match_id, start, end in matcher(doc):
            span = doc[start:end]
            found.append((span.start_char, span.end_char, doc.vocab.strings[match_id]))
        return sorted(found)

    def value_for(self, entity: str, value: str, span: Doc) -> Optional[str]:
        """The contract value for an entity span: its own value if valid, else by its lemmas."""
        if entity not in self.values or value in self.values[entity]:
            return value
        matches = self.find(entity, span)
        return matches[0][2] if matches else None


def normalise_text(entity: str, text: str) -> Optional[str]:
    """Convenience for tests and tools: the value a piece of text carries for `entity`."""
    lexicon = EntityLexicon.default()
    return lexicon.value_for(entity, "", english()(text.lower()))
