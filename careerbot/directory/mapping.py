"""The office-editable mapping from the assistant's categories to the directory's taxonomy terms.

directory_mapping.yml (repository root) says, for every kind of help (`resource_type`) the NLU can
recognise, which taxonomy terms of the HSDS directory answer it, and for every `barrier` which
kinds of help help with it. The terms come from the presets the file selects (presets/*.yml beside
this module, one per taxonomy: Open Eligibility, the sample directory's) and from the file's own
`terms`, for an office whose directory uses a taxonomy of its own. Nothing in code names a term.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Tuple

import yaml

from careerbot.content import BARRIERS, RESOURCE_TYPES
from careerbot.language import DEFAULT_LANGUAGE, LANGUAGES
from careerbot.settings import PROJECT_ROOT

MAPPING_FILE = PROJECT_ROOT / "directory_mapping.yml"
PRESETS_DIR = Path(__file__).with_name("presets")
# How a sentence names several kinds of help at once ("career centers or workforce centers").
_OR = {"en": " or ", "es": " o "}

class MappingError(ValueError):
    """The mapping file is unreadable or does not cover the contract."""


def normalise_term(term: str) -> str:
    """How terms are compared: by their letters and digits alone, in any case. Exports spell one
    term in many ways ("Child Care Assistance", "childcare-assistance", "CHILDCARE_ASSISTANCE"),
    and a mapping that matched only one spelling left every search empty."""
    return "".join(character for character in term.casefold() if character.isalnum())


@dataclass(frozen=True)
class ResourceType:
    name: str
    label: str                 # how the bot names it in a sentence ("career centers")
    terms: FrozenSet[str]      # normalised taxonomy term codes or names
    # The label in the other languages (`label_es`: "centros de carreras"); a language without
    # one of its own gets `label`.
    translated_labels: Mapping[str, str] = field(default_factory=dict)

    def label_in(self, language: str) -> str:
        return self.translated_labels.get(language, self.label)


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

    def label(self, resource_type: str, language: str = DEFAULT_LANGUAGE) -> str:
        return self._type(resource_type).label_in(language)

    def category_label(self, resource_types: Iterable[str],
                       language: str = DEFAULT_LANGUAGE) -> str:
        """The kinds of help searched, for a sentence: "career centers or workforce centers"."""
        return _OR[language].join(self.label(name, language) for name in resource_types)

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


def preset_names() -> List[str]:
    return sorted(path.stem for path in PRESETS_DIR.glob("*.yml"))


def _read_yaml(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise MappingError(f"Cannot read {path}: {error}") from error
    if not isinstance(raw, dict):
        raise MappingError(f"{path} must be a mapping of resource_types, barriers and presets")
    return raw


def _preset_terms(name: str, selected_in: Path) -> Mapping[str, List[str]]:
    """Resource type -> the terms one preset lists for it."""
    if name not in preset_names():  # also keeps a name like "../x" from naming another file
        raise MappingError(f"{selected_in}: there is no preset {name!r}; the presets are "
                           f"{', '.join(preset_names())}")
    path = PRESETS_DIR / f"{name}.yml"
    types = _read_yaml(path).get("resource_types") or {}
    unknown = sorted(set(types) - set(RESOURCE_TYPES))
    if unknown:
        raise MappingError(f"{path} maps unknown resource types: {', '.join(unknown)}")
    return {type_name: [str(term) for term in terms or ()] for type_name, terms in types.items()}


def load_mapping(path: Optional[Path] = None) -> ResourceMapping:
    path = Path(path or MAPPING_FILE)
    raw = _read_yaml(path)
    types_raw = raw.get("resource_types") or {}
    barriers_raw = raw.get("barriers") or {}
    missing = [n for n in RESOURCE_TYPES if n not in types_raw] + \
              [n for n in BARRIERS if n not in barriers_raw]
    if missing:
        raise MappingError(f"{path} does not map: {', '.join(missing)}")
    selected = raw.get("presets") or []
    if not isinstance(selected, list):
        raise MappingError(f"{path}: presets must be a list, e.g. [{', '.join(preset_names())}]")
    presets = [_preset_terms(str(name), path) for name in selected]
    resource_types: Dict[str, ResourceType] = {}
    for name, entry in types_raw.items():
        entry = entry or {}
        named = [str(t) for t in entry.get("terms") or []] + \
                [term for preset in presets for term in preset.get(name, ())]
        terms = frozenset(normalise_term(t) for t in named)
        if "" in terms:
            raise MappingError(f"{path}: resource type {name} lists a term without letters or "
                               "digits")
        if not terms:
            raise MappingError(f"{path}: resource type {name} lists no terms, and no preset it "
                               "selects does")
        label = str(entry.get("label") or name.replace("_", " "))
        translated = {language: str(entry[f"label_{language}"]) for language in LANGUAGES
                      if language != DEFAULT_LANGUAGE and entry.get(f"label_{language}")}
        resource_types[name] = ResourceType(name, label, terms, translated)
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
