"""The office-editable mapping from the assistant's categories to the directory's taxonomy terms.

directory_mapping.yml (repository root) says, for every `resource_type` the NLU can recognise,
which taxonomy terms of the HSDS directory answer it, and for every `barrier` which resource types
help with it. Offices whose directory uses another taxonomy (211 LA/AIRS codes, their own) edit the
terms there; nothing in code names a term.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Mapping, Optional, Tuple

import yaml

from careerbot.content import BARRIERS
from careerbot.settings import PROJECT_ROOT

MAPPING_FILE = PROJECT_ROOT / "directory_mapping.yml"

# The NLU contract's values (../shared/nlu-contract.md); the barriers are careerbot.content's.
RESOURCE_TYPES = ("workforce_center", "career_center", "community_college", "adult_education",
                  "nonprofit", "childcare_assistance", "transportation_assistance",
                  "financial_aid", "library")


class MappingError(ValueError):
    """The mapping file is unreadable or does not cover the contract."""


def normalise_term(term: str) -> str:
    """How terms are compared: case and spacing do not matter ("Adult  Education" = "adult
    education")."""
    return re.sub(r"\s+", " ", term.strip().lower())


@dataclass(frozen=True)
class ResourceType:
    name: str
    label: str                 # how the bot names it in a sentence ("career centers")
    terms: FrozenSet[str]      # normalised taxonomy term codes or names


@dataclass(frozen=True)
class ResourceMapping:
    resource_types: Mapping[str, ResourceType]
    barriers: Mapping[str, Tuple[str, ...]]

    def terms_for(self, resource_types: Iterable[str]) -> FrozenSet[str]:
        terms: FrozenSet[str] = frozenset()
        for name in resource_types:
            terms |= self._type(name).terms
        return terms

    def resource_types_for_barrier(self, barrier: str) -> Tuple[str, ...]:
        try:
            return self.barriers[barrier]
        except KeyError:
            raise ValueError(f"unknown barrier {barrier!r}; expected one of "
                             f"{', '.join(BARRIERS)}") from None

    def label(self, resource_type: str) -> str:
        return self._type(resource_type).label

    def matching_types(self, terms: Iterable[str],
                       among: Iterable[str]) -> Tuple[str, ...]:
        """Which of the resource types `among` a listing with `terms` belongs to."""
        tagged = frozenset(terms)
        return tuple(name for name in among if self._type(name).terms & tagged)

    def _type(self, name: str) -> ResourceType:
        try:
            return self.resource_types[name]
        except KeyError:
            raise ValueError(f"unknown resource type {name!r}; expected one of "
                             f"{', '.join(RESOURCE_TYPES)}") from None


def load_mapping(path: Optional[Path] = None) -> ResourceMapping:
    path = Path(path or MAPPING_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise MappingError(f"Cannot read {path}: {error}") from error
    types_raw = raw.get("resource_types") or {}
    barriers_raw = raw.get("barriers") or {}
    missing = [n for n in RESOURCE_TYPES if n not in types_raw] + \
              [n for n in BARRIERS if n not in barriers_raw]
    if missing:
        raise MappingError(f"{path} does not map: {', '.join(missing)}")
    resource_types: Dict[str, ResourceType] = {}
    for name, entry in types_raw.items():
        terms = frozenset(normalise_term(str(t)) for t in (entry or {}).get("terms") or [])
        if not terms:
            raise MappingError(f"{path}: resource type {name} lists no terms")
        label = str((entry or {}).get("label") or name.replace("_", " "))
        resource_types[name] = ResourceType(name, label, terms)
    barriers: Dict[str, Tuple[str, ...]] = {}
    for name, types in barriers_raw.items():
        types = tuple(types or ())
        unknown = [t for t in types if t not in resource_types]
        if not types or unknown:
            raise MappingError(f"{path}: barrier {name} must list resource types "
                               f"({', '.join(RESOURCE_TYPES)}), not {unknown or 'nothing'}")
        barriers[name] = types
    return ResourceMapping(resource_types, barriers)


@functools.lru_cache(maxsize=1)
def default_mapping() -> ResourceMapping:
    """The deployment's mapping, read once per process."""
    return load_mapping()
