"""Find services near a place: by category, within a radius, nearest first, a page at a time.

    directory = Directory.open()
    result = directory.search(["workforce_center"], place)              # best 3 within 25 miles
    more = directory.search(["workforce_center"], place, offset=result.next_offset)
    shown = directory.listings_by_id([entry["id"] for entry in referrals_shown])  # asked later

When nothing is within the radius the search widens once (to twice the radius) and the result
says so (`widened`). An optional live provider (CareerOneStop's American Job Center finder) adds
its results for the categories it covers; if it fails, the local results stand alone.
"""
from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable, FrozenSet, List, Optional, Protocol, Sequence, Tuple

from careerbot.directory import hours
from careerbot.directory.geo import haversine_miles
from careerbot.directory.mapping import ResourceMapping, default_mapping
from careerbot.directory.store import DirectoryNotLoaded, DirectoryStore, StoredListing, open_store
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

    @property
    def name(self) -> str:
        if not self.service or self.service == self.organization:
            return self.organization
        return f"{self.organization} — {self.service}"

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
    listings: Tuple[Listing, ...]   # this page, nearest first
    total: int                      # results within radius_miles, all pages
    resource_types: Tuple[str, ...]
    category_label: str             # "career centers or workforce centers", for sentences
    place: Place
    requested_radius_miles: float
    radius_miles: float             # the radius searched: requested, or widened
    offset: int

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
               offset: int = 0) -> SearchResult:
        """Listings of any of `resource_types` near `place`, nearest first: the page starting at
        `offset` (0 for the first, result.next_offset for "show more")."""
        types = tuple(dict.fromkeys(resource_types))
        if not types:
            raise ValueError("a search needs at least one resource type")
        terms = self.mapping.terms_for(types)  # raises ValueError for unknown types
        label = " or ".join(self.mapping.label(t) for t in types)
        radius = radius_miles
        merged, total = self._merged(types, terms, place, radius, offset + limit)
        if total == 0:
            radius = radius_miles * WIDEN_FACTOR
            merged, total = self._merged(types, terms, place, radius, offset + limit)
        return SearchResult(tuple(merged[offset:offset + limit]), total, types, label, place,
                            radius_miles, radius, offset)

    def _merged(self, types, terms, place: Place, radius: float,
                count: int) -> Tuple[List[Listing], int]:
        """The first `count` listings from the directory and the live provider, nearest first,
        and how many there are in all."""
        local, local_total = self._local(types, terms, place, radius, count)
        live = self._live(types, place, radius, count)
        fresh = [item for item in live if not any(_same_place(item, mine) for mine in local)]
        merged = sorted(local + fresh, key=lambda item: item.distance_miles)
        return merged[:count], local_total + len(fresh)

    def _local(self, types, terms, place: Place, radius: float,
               count: int) -> Tuple[List[Listing], int]:
        try:
            page = self.store.nearby(terms, place.latitude, place.longitude, radius, count)
        except DirectoryNotLoaded as error:
            log.error("Resource directory unavailable: %s", error)
            return [], 0
        now = self.clock()
        return [self._listing(stored, place, types, now) for stored in page.rows], page.total

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
        )


@functools.lru_cache(maxsize=4096)  # directories repeat a few opening-hours patterns
def _opening_hours(schedules_json: str) -> Tuple[Tuple[hours.ScheduleRule, ...], Optional[str]]:
    """A listing's schedule rules and their text, from the JSON the importer stored."""
    rules = tuple(hours.ScheduleRule.from_fields(f) for f in json.loads(schedules_json))
    return rules, hours.hours_text(rules) or None


def _simplified_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def _same_place(live: Listing, local: Listing) -> bool:
    """A live result that the office's own directory already lists (same name, same spot)."""
    return (_simplified_name(live.organization) == _simplified_name(local.organization)
            and haversine_miles(live.latitude, live.longitude,
                                local.latitude, local.longitude) < 0.25)
