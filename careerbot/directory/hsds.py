"""The HSDS 3.0 tables this directory loads, with the specification's own file and column names.

Source: Open Referral's Human Services Data Specification 3.0, its official Tabular Data Package
descriptor (openreferral/specification tag v3.0, datapackage.json). Each table lists the
descriptor's columns in its order (attributes.csv adds `label`, which later versions define);
`required` is exactly the columns the descriptor marks required, so a row the specification
accepts loads and one it calls incomplete is skipped. tests/test_directory_coverage.py holds both
to a copy of the descriptor.

Tables the bot has no use for (programs, contacts, funding, ...) are not loaded; their files may
be present in a package and are ignored. Columns not listed here are ignored as well,
so an export that adds its own columns still loads.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Mapping, Optional, Tuple


@dataclass(frozen=True)
class Table:
    """One HSDS table as a CSV file of the tabular data package."""

    name: str                      # the specification's resource name, e.g. "service"
    path: str                      # the specification's file name, e.g. "services.csv"
    columns: Tuple[str, ...]
    required: FrozenSet[str]
    # column -> name of the table whose `id` it holds
    references: Mapping[str, str] = field(default_factory=dict)
    # column -> allowed values (the specification's enums)
    enums: Mapping[str, FrozenSet[str]] = field(default_factory=dict)
    # column -> kind of value checked by validate.py ("latitude", "phone", "time", ...)
    formats: Mapping[str, str] = field(default_factory=dict)
    # columns the specification types as "number" (all others are strings)
    numbers: FrozenSet[str] = frozenset()
    # the package cannot describe a directory without it
    mandatory: bool = False

    def __post_init__(self):
        # Column positions, looked up for every field of every row an import reads.
        object.__setattr__(self, "_positions", {c: i for i, c in enumerate(self.columns)})

    def index(self, column: str) -> int:
        return self._positions[column]


ORGANIZATION = Table(
    name="organization",
    path="organizations.csv",
    columns=("id", "name", "alternate_name", "description", "email", "website", "tax_status",
             "tax_id", "year_incorporated", "legal_status", "logo", "uri",
             "parent_organization_id"),
    required=frozenset({"id", "name", "description"}),
    references={"parent_organization_id": "organization"},
    numbers=frozenset({"year_incorporated"}),
    mandatory=True,
)

SERVICE = Table(
    name="service",
    path="services.csv",
    columns=("id", "organization_id", "program_id", "name", "alternate_name", "description",
             "url", "email", "status", "interpretation_services", "application_process",
             "fees_description", "wait_time", "fees", "accreditations",
             "eligibility_description", "minimum_age", "maximum_age", "assured_date",
             "assurer_email", "licenses", "alert", "last_modified"),
    required=frozenset({"id", "name", "status", "organization_id"}),
    # program_id points into programs.csv, which this directory does not load.
    references={"organization_id": "organization"},
    enums={"status": frozenset({"active", "inactive", "defunct", "temporarily closed"})},
    numbers=frozenset({"minimum_age", "maximum_age"}),
    mandatory=True,
)

LOCATION = Table(
    name="location",
    path="locations.csv",
    columns=("id", "location_type", "url", "organization_id", "name", "alternate_name",
             "description", "transportation", "latitude", "longitude", "external_identifier",
             "external_identifier_type"),
    required=frozenset({"id", "location_type"}),
    references={"organization_id": "organization"},
    enums={"location_type": frozenset({"physical", "postal", "virtual"})},
    formats={"latitude": "latitude", "longitude": "longitude"},
    numbers=frozenset({"latitude", "longitude"}),
    mandatory=True,
)

SERVICE_AT_LOCATION = Table(
    name="service_at_location",
    path="service_at_location.csv",
    columns=("id", "service_id", "location_id", "description"),
    required=frozenset({"id", "service_id", "location_id"}),
    references={"service_id": "service", "location_id": "location"},
    mandatory=True,
)

ADDRESS = Table(
    name="address",
    path="addresses.csv",
    columns=("id", "location_id", "attention", "address_1", "address_2", "city", "region",
             "state_province", "postal_code", "country", "address_type"),
    required=frozenset({"id", "address_1", "city", "state_province", "postal_code", "country",
                        "address_type"}),
    references={"location_id": "location"},
    enums={"address_type": frozenset({"physical", "postal", "virtual"})},
    formats={"postal_code": "postal_code"},
)

PHONE = Table(
    name="phone",
    path="phones.csv",
    columns=("id", "location_id", "service_id", "organization_id", "contact_id",
             "service_at_location_id", "number", "extension", "type", "description"),
    required=frozenset({"id", "number"}),
    # contact_id points into contacts.csv, which this directory does not load.
    references={"location_id": "location", "service_id": "service",
                "organization_id": "organization",
                "service_at_location_id": "service_at_location"},
    formats={"number": "phone"},
    numbers=frozenset({"extension"}),
)

SCHEDULE = Table(
    name="schedule",
    path="schedules.csv",
    columns=("id", "service_id", "location_id", "service_at_location_id", "valid_from",
             "valid_to", "dtstart", "timezone", "until", "count", "wkst", "freq", "interval",
             "byday", "byweekno", "bymonthday", "byyearday", "description", "opens_at",
             "closes_at", "schedule_link", "attending_type", "notes"),
    required=frozenset({"id"}),
    references={"service_id": "service", "location_id": "location",
                "service_at_location_id": "service_at_location"},
    enums={"freq": frozenset({"WEEKLY", "MONTHLY"}),
           "wkst": frozenset({"MO", "TU", "WE", "TH", "FR", "SA", "SU"})},
    formats={"opens_at": "time", "closes_at": "time", "valid_from": "date", "valid_to": "date",
             "dtstart": "date", "timezone": "utc_offset", "byday": "byday",
             "bymonthday": "monthdays", "interval": "positive_integer"},
    numbers=frozenset({"timezone", "count", "interval"}),
)

LANGUAGE = Table(
    name="language",
    path="languages.csv",
    columns=("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    required=frozenset({"id"}),
    references={"service_id": "service", "location_id": "location", "phone_id": "phone"},
    # ISO 639-1 or 639-3; validate.py also asks each row to name a language and what it is
    # spoken at (a service, a location or a phone), which the specification leaves open.
    formats={"code": "language_code"},
)

TAXONOMY = Table(
    name="taxonomy",
    path="taxonomies.csv",
    columns=("id", "name", "description", "uri", "version"),
    required=frozenset({"id", "name", "description"}),
)

TAXONOMY_TERM = Table(
    name="taxonomy_term",
    path="taxonomy_terms.csv",
    columns=("id", "code", "name", "description", "parent_id", "taxonomy", "language",
             "taxonomy_id", "term_uri"),
    required=frozenset({"id", "name", "description"}),
    references={"parent_id": "taxonomy_term", "taxonomy_id": "taxonomy"},
)

ATTRIBUTE = Table(
    name="attribute",
    path="attributes.csv",
    columns=("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label"),
    required=frozenset({"id", "link_id", "taxonomy_term_id", "link_entity"}),
    # link_id points into the table named by link_entity; see ATTRIBUTE_LINK_COLUMN.
    references={"taxonomy_term_id": "taxonomy_term"},
)

# The column of attributes.csv whose target table is named by the row's link_entity value.
ATTRIBUTE_LINK_COLUMN = ("link_id", "link_entity")

# In reference-check order: a table comes after every table it points into, so that a row whose
# target was skipped is itself skipped.
TABLES: Tuple[Table, ...] = (TAXONOMY, TAXONOMY_TERM, ORGANIZATION, SERVICE, LOCATION,
                             SERVICE_AT_LOCATION, ADDRESS, PHONE, SCHEDULE, LANGUAGE, ATTRIBUTE)
TABLES_BY_NAME: Dict[str, Table] = {table.name: table for table in TABLES}


@functools.lru_cache(maxsize=64)  # asked once per attribute row; packages use a few values
def table_for_link_entity(link_entity: str) -> Optional[Table]:
    """The loaded table an attribute's link_entity names ("service", or "services" as some
    exports write it); None for entities this directory does not load (e.g. "contact")."""
    key = link_entity.strip().lower()
    for table in TABLES:
        if key in (table.name, table.path[:-len(".csv")]):
            return table
    return None
