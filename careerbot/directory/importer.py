"""Import an HSDS package: validate it, build the search read model, replace the directory.

    report = import_package(Path("directory/sample"), open_store())

An import that would leave fewer than one searchable service, or fewer than half of those the
directory in use has, raises ImportRefused and changes nothing unless forced (force=True): a
package whose every row failed validation once replaced a working directory with an empty one.

Each service offered at a location becomes one listing, carrying what the bot shows: names,
address, coordinates, the most specific phone and schedules HSDS gives (service-at-location, then
service, then location, then organization), website, eligibility, fees, the category terms
of every attribute on the service, its organization, location or service-at-location (with the
terms' ancestors, so a child term matches a mapping to its parent), and the languages it is
offered in: those of every languages.csv row naming the service, the location, or one of the
phones the listing takes its number from (languages.language_key: "spa" and "Español" are "es").
"""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, NamedTuple, Optional, Set, Tuple

from careerbot.directory import hsds
from careerbot.directory.coverage import TermUse
from careerbot.directory.geo import unit_vector
from careerbot.directory.languages import language_key
from careerbot.directory.mapping import normalise_term
from careerbot.directory.search import one_line_address
from careerbot.directory.store import (DirectoryNotLoaded, DirectoryStore, ListingRow, TermRow,
                                       spoken_column)
from careerbot.directory.validate import Problem, TableRows, ValidatedPackage, read_package
from careerbot.language import DEFAULT_LANGUAGE, LANGUAGES
from careerbot.places import PlaceIndex, time_zone_for_zip

# The taxonomy term (code or name) that marks a fictional sample listing. The bot labels such
# listings "(sample listing)"; the label comes from the data, never from a list of names in code.
SAMPLE_LISTING_TERM = "sample-listing"
SAMPLE_LISTING_KEY = normalise_term(SAMPLE_LISTING_TERM)

# schedules.csv columns the search needs to evaluate opening hours (hours.ScheduleRule).
SCHEDULE_FIELDS = ("freq", "byday", "bymonthday", "opens_at", "closes_at", "valid_from",
                   "valid_to", "interval", "dtstart", "timezone", "description")


@dataclass
class ImportReport:
    problems: List[Problem]
    loaded: Dict[str, int]     # file -> rows loaded
    skipped: Dict[str, int]    # file -> rows skipped
    listings: int              # searchable services at locations
    unlocated: int             # active services at locations without coordinates or known ZIP
    seconds: float = 0.0
    absent: List[str] = field(default_factory=list)  # optional files the package leaves out
    terms: List[TermUse] = field(default_factory=list)  # most listings first
    # The assistant's languages other than English -> searchable listings offered in it (empty
    # when the package has no languages.csv)
    in_language: Dict[str, int] = field(default_factory=dict)

    @property
    def skipped_rows(self) -> int:
        return sum(self.skipped.values())


class ImportRefused(Exception):
    """The package would leave too few searchable services; the directory in use stays."""

    def __init__(self, report: ImportReport, current: int):
        self.report, self.current = report, current
        loss = ("nothing to offer" if report.listings == 0
                else "fewer than half of the services it offers now")
        super().__init__(f"this package has {report.listings} services that can be searched, "
                         f"against {current} now: importing it would leave the assistant with "
                         f"{loss}")


def leaves_too_few(listings: int, current: int) -> bool:
    """Whether replacing a directory of `current` searchable listings by one of `listings`
    needs forcing."""
    return listings < 1 or listings < current / 2


def import_package(directory: Path, store: DirectoryStore, force: bool = False) -> ImportReport:
    """Validate the package at `directory` and make it the directory in `store`.

    Raises validate.PackageError when the package cannot be used at all, and ImportRefused
    unless `force` when it would leave too few searchable services (leaves_too_few); either way
    nothing changes.
    """
    started = time.perf_counter()
    package = read_package(directory)
    model = build_read_model(package)
    report = ImportReport(
        problems=package.problems,
        loaded={t.file: len(t.rows) for t in package.tables.values() if t.present},
        skipped={t.file: t.skipped for t in package.tables.values() if t.present},
        listings=len(model.listings),
        unlocated=model.unlocated,
        absent=[t.file for t in package.tables.values() if not t.present],
        terms=model.term_uses,
        in_language={language: sum(1 for listing in model.listings
                                   if language in json.loads(listing.languages))
                     for language in LANGUAGES if language != DEFAULT_LANGUAGE}
        if package["language"].present else {},
    )
    if not force:
        current = _searchable_now(store)
        if leaves_too_few(report.listings, current):
            raise ImportRefused(report, current)
    info = {"source": str(Path(directory).resolve()),
            "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "loaded": report.loaded, "skipped": report.skipped, "listings": report.listings}
    store.replace(package, model.listings, model.terms, info)
    report.seconds = time.perf_counter() - started
    return report


def _searchable_now(store: DirectoryStore) -> int:
    try:
        return store.listing_count()
    except DirectoryNotLoaded:
        return 0


class _Index:
    """Rows of one table looked up by the value of one column, in file order."""

    def __init__(self, rows: TableRows, column: str):
        self.by_key: Dict[str, List[tuple]] = {}
        position = rows.table.index(column)
        for row in rows.rows:
            if row[position] is not None:
                self.by_key.setdefault(row[position], []).append(row)

    def get(self, key: Optional[str]) -> List[tuple]:
        return self.by_key.get(key, []) if key else []


def _first_nonempty(*candidates: List[tuple]) -> List[tuple]:
    for candidate in candidates:
        if candidate:
            return candidate
    return []


def _term_keys(package: ValidatedPackage) -> Dict[str, FrozenSet[str]]:
    """Taxonomy term id -> normalised code and name of the term and all its ancestors."""
    terms = package["taxonomy_term"]
    own: Dict[str, Tuple[Set[str], Optional[str]]] = {}
    for row in terms.rows:
        names = {normalise_term(v) for v in (terms.column(row, "code"), terms.column(row, "name"))
                 if v} - {""}  # a name of punctuation alone is no key
        own[row[0]] = (names, terms.column(row, "parent_id"))
    resolved: Dict[str, FrozenSet[str]] = {}
    for term_id in own:
        keys: Set[str] = set()
        seen: Set[str] = set()
        current: Optional[str] = term_id
        while current in own and current not in seen:  # `seen` guards against parent cycles
            seen.add(current)
            keys |= own[current][0]
            current = own[current][1]
        resolved[term_id] = frozenset(keys)
    return resolved


def _linked_terms(package: ValidatedPackage) -> Dict[Tuple[str, str], Set[str]]:
    """(table name, row id) -> ids of the taxonomy terms of the attributes linked to that row."""
    attributes = package["attribute"]
    linked: Dict[Tuple[str, str], Set[str]] = {}
    for row in attributes.rows:
        table = hsds.table_for_link_entity(attributes.column(row, "link_entity"))
        if table is None:
            continue
        key = (table.name, attributes.column(row, "link_id"))
        linked.setdefault(key, set()).add(attributes.column(row, "taxonomy_term_id"))
    return linked


def _term_uses(package: ValidatedPackage, keys_by_term: Mapping[str, FrozenSet[str]],
               listings_by_term: Counter) -> List[TermUse]:
    """The terms listings carry, most listings first; not the sample marker, which labels
    listings and is no kind of help."""
    terms = package["taxonomy_term"]
    uses = []
    for row in terms.rows:
        keys = keys_by_term[row[0]]
        if row[0] not in listings_by_term or SAMPLE_LISTING_KEY in keys:
            continue
        name, code = terms.column(row, "name"), terms.column(row, "code")
        uses.append(TermUse(f"{name} ({code})" if code else name, keys,
                            listings_by_term[row[0]]))
    return sorted(uses, key=lambda use: (-use.listings, use.name))


def _one_line_address(addresses: TableRows, row: Optional[tuple]) -> Optional[str]:
    if row is None:
        return None
    street_1, street_2, city, state, postal_code = (addresses.column(row, name) for name in (
        "address_1", "address_2", "city", "state_province", "postal_code"))
    return one_line_address((street_1, street_2), city, state, postal_code)


class ReadModel(NamedTuple):
    listings: List[ListingRow]
    terms: List[TermRow]
    unlocated: int              # listings left out for want of a position
    term_uses: List[TermUse]


def build_read_model(package: ValidatedPackage) -> ReadModel:
    """Listings and their term rows for the search, and what the import reports about them."""
    builder = _ReadModelBuilder(package)
    listings: List[ListingRow] = []
    term_rows: List[TermRow] = []
    for sal_row in package["service_at_location"].rows:
        built = builder.listing(sal_row, listing_id=len(listings) + 1)
        if built is not None:
            listing, terms = built
            listings.append(listing)
            spoken = spoken_column(json.loads(listing.languages))
            term_rows.extend(TermRow(term, listing.latitude, listing.longitude, listing.ux,
                                     listing.uy, listing.uz, listing.id, spoken)
                             for term in terms)
    return ReadModel(listings, term_rows, builder.unlocated,
                     _term_uses(package, builder.keys_by_term, builder.listings_by_term))


class _ReadModelBuilder:
    """Look-ups over a validated package, to turn one service_at_location row into a listing."""

    def __init__(self, package: ValidatedPackage):
        self.unlocated = 0  # active services at locations nobody can place on a map
        self.sal = package["service_at_location"]
        self.organizations, self.services, self.locations = (
            package[name] for name in ("organization", "service", "location"))
        self.addresses, self.phones, self.schedules = (
            package[name] for name in ("address", "phone", "schedule"))
        self.organization_by_id = {row[0]: row for row in self.organizations.rows}
        self.service_by_id = {row[0]: row for row in self.services.rows}
        self.location_by_id = {row[0]: row for row in self.locations.rows}
        self.address_index = _Index(self.addresses, "location_id")
        self.phone_index = {c: _Index(self.phones, c) for c in (
            "service_at_location_id", "service_id", "location_id", "organization_id")}
        self.schedule_index = {c: _Index(self.schedules, c) for c in (
            "service_at_location_id", "service_id", "location_id")}
        self.languages = package["language"]
        self.language_index = {c: _Index(self.languages, c) for c in (
            "service_id", "location_id", "phone_id")}
        self.linked = _linked_terms(package)
        self.keys_by_term = _term_keys(package)
        self.listings_by_term: Counter = Counter()  # term id -> listings tagged with it

    def listing(self, sal_row: tuple,
                listing_id: int) -> Optional[Tuple[ListingRow, List[str]]]:
        """The listing and its category terms; None if the service is not active or its
        location cannot be placed."""
        sal_id = sal_row[0]
        service = self.service_by_id[self.sal.column(sal_row, "service_id")]
        if self.services.column(service, "status") != "active":
            return None  # never send anyone to a closed or defunct service
        location = self.location_by_id[self.sal.column(sal_row, "location_id")]
        org_id = self.services.column(service, "organization_id")
        organization = self.organization_by_id[org_id]
        address = _preferred_address(self.addresses, self.address_index.get(location[0]))
        postal_code = self.addresses.column(address, "postal_code") if address else None
        zip_code = postal_code[:5] if postal_code else None
        position = self._position(location, zip_code)
        if position is None:
            self.unlocated += 1
            return None
        keys = (("service_at_location", sal_id), ("service", service[0]),
                ("location", location[0]), ("organization", org_id))
        term_ids = set().union(*(self.linked.get(key, ()) for key in keys))
        self.listings_by_term.update(term_ids)
        terms = sorted(set().union(*(self.keys_by_term.get(term_id, ()) for term_id in term_ids)))
        # The most specific phone and schedules HSDS gives, in the order of `keys`.
        phone = _first_nonempty(*(self.phone_index[f"{table}_id"].get(row_id)
                                  for table, row_id in keys))
        rules = _first_nonempty(*(self.schedule_index[f"{table}_id"].get(row_id)
                                  for table, row_id in keys[:3]))
        services, organizations = self.services, self.organizations
        listing = ListingRow(
            id=listing_id,
            service_at_location_id=sal_id,
            service_id=service[0],
            organization_id=org_id,
            location_id=location[0],
            organization_name=organizations.column(organization, "name"),
            service_name=services.column(service, "name"),
            address=_one_line_address(self.addresses, address),
            postal_code=postal_code,
            latitude=position[0], longitude=position[1], ux=position[2], uy=position[3],
            uz=position[4],
            phone=self.phones.column(phone[0], "number").strip().strip('"') if phone else None,
            website=services.column(service, "url") or organizations.column(organization,
                                                                             "website"),
            eligibility=services.column(service, "eligibility_description"),
            # `fees` is HSDS 3.0's deprecated name for fees_description; older exports use it.
            fees=services.column(service, "fees_description") or services.column(service, "fees"),
            time_zone=time_zone_for_zip(zip_code) if zip_code else None,
            schedules=json.dumps([_schedule_fields(self.schedules, r) for r in rules]),
            terms=json.dumps(terms),
            is_sample=int(SAMPLE_LISTING_KEY in terms),
            languages=json.dumps(self._languages(service[0], location[0], phone),
                                 ensure_ascii=False),
        )
        return listing, terms

    def _languages(self, service_id: str, location_id: str,
                   phones: List[tuple]) -> Dict[str, Optional[str]]:
        """language_key -> note of the languages.csv rows naming the service, the location or
        one of `phones` (the listing's, at the level its number comes from); the first note
        given, service before location before phone."""
        rows = [*self.language_index["service_id"].get(service_id),
                *self.language_index["location_id"].get(location_id)]
        for phone in phones:
            rows += self.language_index["phone_id"].get(phone[0])
        offered: Dict[str, Optional[str]] = {}
        for row in rows:
            key = language_key(self.languages.column(row, "code"),
                               self.languages.column(row, "name"))
            if key is not None and offered.get(key) is None:
                offered[key] = self.languages.column(row, "note")
        return offered

    def _position(self, location: tuple,
                  zip_code: Optional[str]) -> Optional[Tuple[float, float, float, float, float]]:
        """Latitude, longitude and unit vector; HSDS allows a location without coordinates,
        and then its ZIP code's centre places it."""
        latitude = self.locations.column(location, "latitude")
        longitude = self.locations.column(location, "longitude")
        if latitude is None:
            place = PlaceIndex.default().by_zip(zip_code) if zip_code else None
            if place is None:
                return None
            latitude, longitude = place.latitude, place.longitude
        latitude, longitude = float(latitude), float(longitude)
        return (latitude, longitude, *unit_vector(latitude, longitude))


def _preferred_address(addresses: TableRows, candidates: List[tuple]) -> Optional[tuple]:
    """The physical address if there is one (where people go), else the first given."""
    for row in candidates:
        if addresses.column(row, "address_type") == "physical":
            return row
    return candidates[0] if candidates else None


def _schedule_fields(schedules: TableRows, row: tuple) -> Mapping[str, Optional[str]]:
    return {name: schedules.column(row, name) for name in SCHEDULE_FIELDS
            if schedules.column(row, name) is not None}
