"""Find services near a place: by category, within a radius, nearest first, a page at a time.

    directory = Directory.open()
    result = directory.search(["workforce_center"], place)              # best 3 within 25 miles
    more = directory.search(["workforce_center"], place, offset=result.next_offset)
    shown = directory.listings_by_id([entry["id"] for entry in referrals_shown])  # asked later
    directory.search(["workforce_center"], place, language="es")   # Spanish spoken first

For a person who speaks a language other than English (`language`), the listings offered in it
(languages.csv) come first among those within the radius, each group nearest first; for an
English speaker the order is distance alone. When nothing is within the radius the search widens
once (to twice the radius) and the result says so (`widened`). An optional live provider
(CareerOneStop's American Job Center finder) adds its results for the categories it covers; if it
fails, the local results stand alone.
"""
from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable, FrozenSet, List, Mapping, Optional, Protocol, Sequence, Tuple

from careerbot.directory import hours
from careerbot.directory.geo import haversine_miles
from careerbot.directory.mapping import ResourceMapping, default_mapping
from careerbot.directory.store import DirectoryNotLoaded, DirectoryStore, StoredListing, open_store
from careerbot.language import DEFAULT_LANGUAGE, LANGUAGES
from careerbot.places import Place

log = logging.getLogger(__name__)

DEFAULT_RADIUS_MILES = 25.0
WIDEN_FACTOR = 2.0  # nothing within 25 miles -> look within 50
PAGE_SIZE = 3
LOCAL_SOURCE = "directory"

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class OfferedLanguage:
    """A language a listing is offered in, from the directory's languages.csv."""

    code: str                    # languages.language_key: "es" for Spanish however written
    note: Optional[str] = None   # the directory's note, as written ("Bilingual staff Tuesdays")


@dataclass(frozen=True)
class Listing:
    """One result: a service at a place, as the bot shows it."""

    id: str
    organization: str
    service: str
    address: Optional[str]
    latitude: float
    longitude: float
    distance_miles: Optional[float]  # None: fetched by id without a place to measure from
    phone: Optional[str] = None
    website: Optional[str] = None
    eligibility: Optional[str] = None
    fees: Optional[str] = None
    hours: Optional[str] = None
    open_now: Optional[bool] = None  # None: the schedule cannot tell
    how_to_apply: Optional[str] = None  # the service's HSDS application_process
    # The rules `hours` and `open_now` come from, to answer for other days and times; a live
    # provider gives only the text.
    schedule: Tuple[hours.ScheduleRule, ...] = ()
    time_zone: Optional[str] = None  # the location's, for schedules written in local time
    resource_types: Tuple[str, ...] = ()
    is_sample: bool = False          # fictional demo data, labelled as such wherever shown
    source: str = LOCAL_SOURCE       # "directory", or the live provider's name
    languages: Tuple[OfferedLanguage, ...] = ()  # what the directory says; live providers: ()

    @property
    def name(self) -> str:
        if not self.service or self.service == self.organization:
            return self.organization
        return f"{self.organization} — {self.service}"

    def offered_in(self, language: str) -> Optional[OfferedLanguage]:
        """What the directory says of `language` ("es") at this listing; None if nothing."""
        return next((offered for offered in self.languages if offered.code == language), None)

    def referral(self) -> dict:
        """The `referrals_shown` slot entry the staff console reads."""
        return {"id": self.id, "name": self.name,
                "category": self.resource_types[0] if self.resource_types else None}


def one_line_address(street: Sequence[Optional[str]], city: Optional[str],
                     state: Optional[str], postal_code: Optional[str]) -> Optional[str]:
    """One line such as "1 Main St, Suite 2, Springfield, IL 62701", without missing parts."""
    region = " ".join(v for v in (state, postal_code) if v)
    return ", ".join(v for v in (*street, city, region) if v) or None


@dataclass(frozen=True)
class SearchResult:
    listings: Tuple[Listing, ...]   # this page, nearest first (see preferred_language)
    total: int                      # results within radius_miles, all pages
    resource_types: Tuple[str, ...]
    # By language: "career centers or workforce centers", for sentences.
    category_labels: Mapping[str, str]
    place: Place
    requested_radius_miles: float
    radius_miles: float             # the radius searched: requested, or widened
    offset: int
    # The person's language when not English: listings offered in it come first.
    preferred_language: Optional[str] = None
    in_preferred_language: int = 0  # of `total`, how many are offered in it

    @property
    def preferred_first(self) -> bool:
        """Whether the order is not distance alone: some results, not all, are offered in the
        person's language and come first."""
        return bool(self.preferred_language) and 0 < self.in_preferred_language < self.total

    @property
    def widened(self) -> bool:
        return self.radius_miles > self.requested_radius_miles

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.listings)

    @property
    def has_more(self) -> bool:
        return self.next_offset < self.total


class LiveProviderError(RuntimeError):
    """A live provider could not answer. The message must be safe to log: no place searched,
    no credentials."""


class LiveProvider(Protocol):
    """A live directory service queried next to the local directory."""

    source: str
    resource_types: FrozenSet[str]

    def find(self, place: Place, radius_miles: float, limit: int) -> List[Listing]:
        """Listings near `place`; raises LiveProviderError when it cannot answer."""


class Directory:
    def __init__(self, store: DirectoryStore, mapping: ResourceMapping,
                 clock: Clock = system_clock, live_provider: Optional[LiveProvider] = None):
        self.store = store
        self.mapping = mapping
        self.clock = clock
        self.live_provider = live_provider

    @classmethod
    def open(cls, clock: Clock = system_clock) -> "Directory":
        """The deployment's directory: store from DATABASE_URL / CAREERBOT_DATA_DIR, mapping from
        directory_mapping.yml, CareerOneStop when its credentials are set."""
        from careerbot.directory.careeronestop import CareerOneStop  # it builds on Listing
        return cls(open_store(), default_mapping(), clock, CareerOneStop.from_env())

    def resource_types_for_barrier(self, barrier: str) -> Tuple[str, ...]:
        return self.mapping.resource_types_for_barrier(barrier)

    def search(self, resource_types: Sequence[str], place: Place,
               radius_miles: float = DEFAULT_RADIUS_MILES, limit: int = PAGE_SIZE,
               offset: int = 0, language: str = DEFAULT_LANGUAGE) -> SearchResult:
        """Listings of any of `resource_types` near `place`, nearest first: the page starting at
        `offset` (0 for the first, result.next_offset for "show more"). For a person speaking
        `language` other than English, those offered in it first, each group nearest first."""
        types = tuple(dict.fromkeys(resource_types))
        if not types:
            raise ValueError("a search needs at least one resource type")
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
        terms = self.mapping.terms_for(types)  # raises ValueError for unknown types
        labels = {code: self.mapping.category_label(types, code) for code in LANGUAGES}
        # Listings without language data are taken to be offered in English.
        preferred = language if language != DEFAULT_LANGUAGE else None
        radius = radius_miles
        merged, total, in_preferred = self._merged(types, terms, place, radius, offset + limit,
                                                   preferred)
        if total == 0:
            radius = radius_miles * WIDEN_FACTOR
            merged, total, in_preferred = self._merged(types, terms, place, radius,
                                                       offset + limit, preferred)
        return SearchResult(tuple(merged[offset:offset + limit]), total, types, labels, place,
                            radius_miles, radius, offset, preferred, in_preferred)

    def _merged(self, types, terms, place: Place, radius: float, count: int,
                preferred: Optional[str]) -> Tuple[List[Listing], int, int]:
        """The first `count` listings from the directory and the live provider, nearest first
        (those offered in the `preferred` language before the others), how many there are in
        all, and how many of them are offered in the preferred language."""
        local, local_total, in_preferred = self._local(types, terms, place, radius, count,
                                                       preferred)
        live = self._live(types, place, radius, count)
        fresh = [item for item in live if not any(_same_place(item, mine) for mine in local)]
        merged = sorted(local + fresh, key=lambda item: (
            preferred is not None and item.offered_in(preferred) is None, item.distance_miles))
        return merged[:count], local_total + len(fresh), in_preferred

    def _local(self, types, terms, place: Place, radius: float, count: int,
               preferred: Optional[str]) -> Tuple[List[Listing], int, int]:
        try:
            page = self.store.nearby(terms, place.latitude, place.longitude, radius, count,
                                     language=preferred)
        except DirectoryNotLoaded as error:
            log.error("Resource directory unavailable: %s", error)
            return [], 0, 0
        now = self.clock()
        return ([self._listing(stored, place, types, now) for stored in page.rows], page.total,
                page.in_language)

    def listings_by_id(self, ids: Sequence[str], place: Optional[Place] = None) -> List[Listing]:
        """The directory's listings with these ids (Listing.id, as kept in the
        `referrals_shown` slot), in the order given, to answer questions about listings already
        shown. Ids it does not hold are left out: a live provider's results, or a listing
        dropped by a re-import since. Distances are from `place`, unknown without one."""
        wanted = list(dict.fromkeys(ids))
        try:
            found = self.store.listings_by_id(wanted)
        except DirectoryNotLoaded as error:
            log.error("Resource directory unavailable: %s", error)
            return []
        by_id = {stored.row.service_at_location_id: stored for stored in found}
        now = self.clock()
        every_type = tuple(self.mapping.resource_types)
        return [self._listing(by_id[i], place, every_type, now) for i in wanted if i in by_id]

    def _live(self, types, place: Place, radius: float, count: int) -> List[Listing]:
        provider = self.live_provider
        wanted = tuple(t for t in types if provider and t in provider.resource_types)
        if not wanted:
            return []
        try:
            found = provider.find(place, radius, count)
        except LiveProviderError as error:
            log.warning("%s unavailable, showing the local directory only: %s",
                        provider.source, error)
            return []
        except Exception as error:  # noqa: BLE001 - any failure falls back to the local directory
            # Only the kind of error: an unexpected message might quote the request.
            log.warning("%s failed (%s), showing the local directory only",
                        provider.source, type(error).__name__)
            return []
        return [replace(item, resource_types=wanted) for item in found
                if item.distance_miles <= radius]

    def _listing(self, stored: StoredListing, place: Optional[Place], types: Sequence[str],
                 now: datetime) -> Listing:
        row = stored.row
        rules, hours_text = _opening_hours(row.schedules)
        distance = None if place is None else haversine_miles(
            place.latitude, place.longitude, row.latitude, row.longitude)
        return Listing(
            id=row.service_at_location_id,
            organization=row.organization_name,
            service=row.service_name,
            address=row.address,
            latitude=row.latitude,
            longitude=row.longitude,
            distance_miles=distance,
            phone=row.phone,
            website=row.website,
            eligibility=row.eligibility,
            fees=row.fees,
            hours=hours_text,
            open_now=hours.open_now(rules, now, row.time_zone),
            how_to_apply=stored.application_process,
            schedule=rules,
            time_zone=row.time_zone,
            resource_types=self.mapping.matching_types(json.loads(row.terms), types),
            is_sample=bool(row.is_sample),
            languages=_offered_languages(row.languages),
        )


@functools.lru_cache(maxsize=4096)  # directories repeat a few opening-hours patterns
def _opening_hours(schedules_json: str) -> Tuple[Tuple[hours.ScheduleRule, ...], Optional[str]]:
    """A listing's schedule rules and their text, from the JSON the importer stored."""
    rules = tuple(hours.ScheduleRule.from_fields(f) for f in json.loads(schedules_json))
    return rules, hours.hours_text(rules) or None


@functools.lru_cache(maxsize=1024)  # a directory repeats a few language combinations
def _offered_languages(languages_json: str) -> Tuple[OfferedLanguage, ...]:
    """A listing's languages, from the JSON object the importer stored."""
    return tuple(OfferedLanguage(code, note) for code, note in json.loads(languages_json).items())


def _simplified_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def _same_place(live: Listing, local: Listing) -> bool:
    """A live result that the office's own directory already lists (same name, same spot)."""
    return (_simplified_name(live.organization) == _simplified_name(local.organization)
            and haversine_miles(live.latitude, live.longitude,
                                local.latitude, local.longitude) < 0.25)
