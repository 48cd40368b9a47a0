"""Places: US ZIP codes and city names, found in free text and turned into coordinates.

Everything works offline from the data the `zipcodes` package ships (about 42,800 ZIP codes with
coordinates). Place mentions are found with spaCy rules (a Matcher for ZIP codes, a PhraseMatcher
over every city name), never by slicing strings by hand.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from statistics import fmean
from typing import Iterable, List, Optional, Sequence, Tuple

import spacy
import zipcodes
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from careerbot.nlp import (common_spanish_words, english_words, is_common_english_word,
                           is_common_spanish_word)

STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
_STATE_BY_NAME = {name.lower(): code for code, name in STATE_NAMES.items()}

# Words that put a city name in the role of a place ("I live in Austin", "near Denver").
# "at", "to", "of" and "by" are left out: "at home", "to hurt", "by drake" are not places.
PLACE_CUES = {"in", "near", "around", "from", "outside", "nearby"}
SPANISH_PLACE_CUES = {"en", "de", "cerca", "por"}
SPANISH_ARTICLES = {"el", "la", "los", "las"}


# A city name with this many ZIP codes in one state is a city people name even in lower case
# ("mesa", "plano", "amarillo"), though the word is also everyday Spanish.
CITY_ZIP_CODES = 4

_ZIP_RE = re.compile(r"^\d{5}$")
# The ZIP code at the end of a ZIP place's label ("Springfield, IL 62704").
_LABEL_ZIP_RE = re.compile(r" (\d{5})$")

# Two-letter state codes that are also everyday words: only trusted after a comma or in capitals.
_WORDLIKE_STATE_CODES = {"IN", "OR", "ME", "HI", "OK", "OH", "DE", "LA", "PA", "MA", "AL", "CO",
                         "ID", "AS", "MO", "GA", "WA", "NE",
                         # Spanish: "como va", "en mi casa"
                         "VA", "MI"}


# Vocabularies whose matchers are kept (one or two are in use at a time in a process).
MATCHER_VOCABULARIES = 4


@dataclass(frozen=True)
class Place:
    """A resolved place: a ZIP code's centre, or the centre of a city's ZIP codes."""

    city: str
    state: str
    latitude: float
    longitude: float
    zip_code: Optional[str] = None

    @property
    def label(self) -> str:
        where = f"{self.city}, {self.state}"
        return f"{where} {self.zip_code}" if self.zip_code else where


@dataclass(frozen=True)
class Resolution:
    """What a piece of text names: one place, several candidate places (ask which), or none."""

    text: str
    places: Tuple[Place, ...]
    reason: str = ""

    @property
    def place(self) -> Optional[Place]:
        return self.places[0] if len(self.places) == 1 else None

    @property
    def is_ambiguous(self) -> bool:
        return len(self.places) > 1


@dataclass(frozen=True)
class Mention:
    """A place mention found in text: character offsets and the text as written."""

    start: int
    end: int
    text: str
    kind: str  # "zip" or "city"


class PlaceIndex:
    """ZIP codes and cities from `zipcodes`, indexed for look-up and for spaCy matching."""

    def __init__(self, records: Iterable[dict]):
        self._by_zip: dict = {}
        cities: dict = {}
        for record in records:
            if not record.get("lat") or not record.get("long"):
                continue
            lat, lon = float(record["lat"]), float(record["long"])
            city = record["city"].title()
            self._by_zip[record["zip_code"]] = Place(city, record["state"], lat, lon, record["zip_code"])
            cities.setdefault((city.lower(), record["state"]), []).append((lat, lon, city))
        self._cities = {
            key: Place(points[0][2], key[1], round(fmean(p[0] for p in points), 4),
                       round(fmean(p[1] for p in points), 4))
            for key, points in cities.items()
        }
        self._states_by_city: dict = {}
        for city, state in self._cities:
            self._states_by_city.setdefault(city, []).append(state)
        # Most ZIP codes of a city name in one state: Mesa, AZ has 19, Nada, TX one.
        self._most_zip_codes = {}
        for (city, _), points in cities.items():
            self._most_zip_codes[city] = max(self._most_zip_codes.get(city, 0), len(points))
        self._matchers: dict = {}

    @classmethod
    @functools.lru_cache(maxsize=1)
    def default(cls) -> "PlaceIndex":
        return cls(zipcodes.list_all())

    # ---- look-ups -------------------------------------------------------------------------
    def is_everyday_word(self, word: str) -> bool:
        """An English word in everyday use ("cool", "mobile"), or an everyday Spanish one that
        is only the name of small towns ("nada", "vale", "casa"), not of a city ("mesa")."""
        word = word.lower()
        return is_common_english_word(word) or (
            is_common_spanish_word(word) and self._most_zip_codes.get(word, 0) < CITY_ZIP_CODES)

    def by_zip(self, zip_code: str) -> Optional[Place]:
        return self._by_zip.get(zip_code.strip()[:5])

    def zip_places(self) -> List[Place]:
        """Every ZIP code that has coordinates, in ZIP code order."""
        return [self._by_zip[code] for code in sorted(self._by_zip)]

    def by_city(self, city: str, state: Optional[str] = None) -> List[Place]:
        key = " ".join(city.lower().split())
        states = [state_code(state)] if state else sorted(self._states_by_city.get(key, []))
        return [self._cities[(key, s)] for s in states if (key, s) in self._cities]

    def resolve(self, text: str) -> Resolution:
        """Turn what a person typed ("62704", "Springfield, IL", "Austin") into places."""
        cleaned = " ".join(text.replace(",", " , ").split()).strip(" ,.")
        if not cleaned:
            return Resolution(text, (), "empty")
        label_zip = _LABEL_ZIP_RE.search(text)
        if label_zip:
            # A place's own label, as the referral form keeps it in the `location` slot: every
            # search resolves it again, and finding its ZIP code among the words by spaCy's rules
            # (below) was a third of a referral search's time on the action server.
            place = self.by_zip(label_zip.group(1))
            if place is not None and place.label == text:
                return Resolution(text, (place,))
        if re.fullmatch(r"[\dOo]{5}(?:\s*-\s*[\dOo]{4})?", cleaned) and re.search(r"\d", cleaned):
            cleaned = cleaned.replace("O", "0").replace("o", "0")  # "627O4": a letter O for a zero
        digits = re.sub(r"[^\d]", "", cleaned)
        if re.fullmatch(r"\d{5}(?:\s*-\s*\d{4})?", cleaned):
            place = self.by_zip(digits[:5])
            return Resolution(text, (place,) if place else (), "" if place else "unknown_zip")
        if digits and len(digits) != len(cleaned.replace(" ", "")):
            mentions = [m for m in self.extract_text(cleaned) if m.kind == "zip"]
            if mentions:
                return self.resolve(mentions[0].text)
        city, state = _split_city_state(cleaned)
        if state is None and city.lower() in _STATE_BY_NAME:
            return Resolution(text, (), "state_only")
        if state is None and city.islower() and self.is_everyday_word(city):
            # "cool", "mobile", "nada": a word, not the town of that name, unless a state is given.
            return Resolution(text, (), "unknown_place")
        places = self.by_city(city, state)
        return Resolution(text, tuple(places), "" if places else "unknown_place")

    # ---- spaCy matching --------------------------------------------------------------------
    def extract_text(self, text: str) -> List[Mention]:
        return self.extract(_blank_english().make_doc(text))

    def extract(self, doc: Doc) -> List[Mention]:
        """Find ZIP codes and city names in a spaCy Doc with Matcher and PhraseMatcher rules."""
        zip_matcher, city_matcher = self._matchers_for(doc.vocab)
        spans: List[Span] = [doc[s:e] for _, s, e in zip_matcher(doc)]
        for _, start, end in city_matcher(doc):
            span = self._city_span_in_context(doc, start, end)
            if span is not None:
                spans.append(span)
        mentions = []
        for span in sorted(filter_spans(spans), key=lambda s: s.start):
            kind = "zip" if _ZIP_RE.match(span[0].text) else "city"
            mentions.append(Mention(span.start_char, span.end_char, span.text, kind))
        return mentions

    def _matchers_for(self, vocab) -> Tuple[Matcher, PhraseMatcher]:
        # Matchers are bound to a vocabulary: Rasa's pipeline and our blank pipeline each have
        # one, and a model loaded in place of another brings its own. Each entry's matchers keep
        # their vocabulary alive, so its id stays its own; beyond MATCHER_VOCABULARIES the least
        # recently used are let go, so a replaced model's vocabulary does not stay in memory.
        key = id(vocab)
        matchers = self._matchers.pop(key, None)
        if matchers is None:
            zip_matcher = Matcher(vocab)
            zip_matcher.add("ZIP", [[{"TEXT": {"REGEX": r"^\d{5}$"}}],
                                    [{"TEXT": {"REGEX": r"^\d{5}$"}}, {"ORTH": "-"},
                                     {"TEXT": {"REGEX": r"^\d{4}$"}}]])
            city_matcher = PhraseMatcher(vocab, attr="LOWER")
            tokenizer = spacy.blank("en", vocab=vocab).tokenizer
            names = sorted({name for name, _ in self._cities} | set(_STATE_BY_NAME))
            city_matcher.add("CITY", list(tokenizer.pipe(names)))
            matchers = (zip_matcher, city_matcher)
        self._matchers[key] = matchers  # the most recently used last
        while len(self._matchers) > MATCHER_VOCABULARIES:
            del self._matchers[next(iter(self._matchers))]
        return matchers

    def _city_span_in_context(self, doc: Doc, start: int, end: int) -> Optional[Span]:
        """Keep a city-name match only where the text uses it as a place.

        Many town names are ordinary words ("Hope", "Industry", "Why"), so a bare match is not
        enough: the name must carry a state ("Springfield, IL"), follow a place word ("in",
        "near", "from"), or be the whole message (the answer to "where are you?") and not an
        ordinary word written as one ("cool" is an answer, not Cool, CA; "Cool" may be the town).
        """
        name = doc[start:end].text.lower()
        is_state = name in _STATE_BY_NAME and name not in self._states_by_city
        state_end = _state_after(doc, end)
        if state_end is not None and not is_state:
            return doc[start:state_end]
        content = [t for t in doc if not (t.is_punct or t.is_space)]
        whole_message = len(content) == end - start and content[0].i == start
        written_as_a_word = doc[start:end].text.islower() and self.is_everyday_word(name)
        if whole_message and name not in STOP_WORDS and not written_as_a_word:
            return doc[start:end]
        cue = doc[start - 1].lower_ if start > 0 else ""
        if cue in PLACE_CUES:
            return doc[start:end]
        # "vivo en houston", "cerca de Fresno", "en el Bronx"; not "estoy en casa" or "soy de
        # Mexico", whose one word is an everyday Spanish word before it is a US town.
        if start > 1 and cue in SPANISH_ARTICLES:
            cue = doc[start - 2].lower_
        if cue in SPANISH_PLACE_CUES and not (end - start == 1 and self.is_everyday_word(name)):
            return doc[start:end]
        return None


@functools.lru_cache(maxsize=1)
def _time_zones_by_zip() -> dict:
    return {r["zip_code"]: r["timezone"] for r in zipcodes.list_all() if r.get("timezone")}


def time_zone_for_zip(zip_code: str) -> Optional[str]:
    """The IANA time zone of a ZIP code ("America/Chicago"), from the `zipcodes` data."""
    return _time_zones_by_zip().get(zip_code.strip()[:5])


def state_code(state: str) -> str:
    state = state.strip().strip(".")
    return state.upper() if len(state) == 2 else _STATE_BY_NAME.get(state.lower(), state.upper())


def _split_city_state(text: str) -> Tuple[str, Optional[str]]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) >= 2 and _is_state(parts[-1]):
        return " ".join(parts[:-1]), state_code(parts[-1])
    words = text.replace(",", " ").split()
    if len(words) >= 2 and len(words[-1]) == 2 and _is_state(words[-1]):
        return " ".join(words[:-1]), words[-1].upper()
    for size in (2, 1):  # "Portland Oregon", "Kansas City Missouri"
        if len(words) > size and " ".join(words[-size:]).lower() in _STATE_BY_NAME:
            return " ".join(words[:-size]), state_code(" ".join(words[-size:]))
    return " ".join(words), None


def _is_state(text: str) -> bool:
    return text.upper() in STATE_NAMES or text.lower() in _STATE_BY_NAME


def _state_after(doc: Doc, end: int) -> Optional[int]:
    """Token index just past a state written after a city ("Springfield, IL", "Austin Texas")."""
    i = end
    comma = i < len(doc) and doc[i].text == ","
    if comma:
        i += 1
    if i >= len(doc):
        return None
    token = doc[i]
    code = token.text.upper()
    if len(token.text) == 2 and code in STATE_NAMES and (
            comma or token.text.isupper() or code not in _WORDLIKE_STATE_CODES):
        return i + 1
    for size in (2, 1):
        if i + size <= len(doc) and doc[i:i + size].text.lower() in _STATE_BY_NAME:
            return i + size
    return None


@functools.lru_cache(maxsize=1)
def _blank_english() -> Language:
    return spacy.blank("en")


# Words around a place that still make the message just a place ("i live in", "my zip is",
# "what about in Austin", "try 60614 instead").
ANSWER_FILLER = {"i", "i'm", "im", "'m", "am", "live", "living", "in", "from", "near", "around",
                 "over", "my", "zip", "zipcode", "code", "is", "it", "it's", "'s", "its", "the",
                 "area", "located", "based", "at", "city", "town", "of", "outside", "by", "close",
                 "to", "nearby", "here", "currently", "right", "now", "postal", "just", "what",
                 "about", "how", "try", "instead", "then", "and", "ok", "okay", "actually",
                 "please", "search", "look", "there", "or",
                 # "vivo en houston", "estoy cerca de Fresno", "mi codigo postal es 78201"
                 "vivo", "estoy", "soy", "en", "de", "del", "cerca", "mi", "codigo", "código",
                 "es", "el", "la", "ciudad", "aqui", "aquí", "por", "zona", "area", "área", "y",
                 "o", "pues", "mejor", "busca", "ahora"}


def is_place_answer(doc: Doc, place_spans: Sequence[Tuple[int, int]]) -> bool:
    """Whether every word outside the place mentions is filler around a place."""
    for token in doc:
        if token.is_punct or token.is_space:
            continue
        inside = any(start <= token.idx < end for start, end in place_spans)
        if not inside and token.lower_ not in ANSWER_FILLER:
            return False
    return True


def warm_up() -> PlaceIndex:
    """Load at start what places are found with, not during someone's turn: the US places, and
    the English and Spanish word lists that tell a town from an ordinary word ("cool", "nada")."""
    english_words()
    common_spanish_words()
    return PlaceIndex.default()
