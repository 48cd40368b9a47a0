"""Fixtures and package builders for the resource directory tests.

Packages are built in tmp_path from Python rows and written with the same writer the synthetic
generator uses, so every test reads real CSV files through the real importer. Stores are real:
a SQLite file in tmp_path, and a schema in a throwaway PostgreSQL database created for the test
session (on the tests' own server, tests/support/services.py) and dropped after it.
"""
from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

import psycopg2
import pytest
import zipcodes

from careerbot.directory import cli
from careerbot.directory.generate import write_package
from careerbot.directory.hsds import TABLES_BY_NAME
from careerbot.directory.importer import SAMPLE_LISTING_TERM, import_package
from careerbot.directory.mapping import load_mapping
from careerbot.directory.search import Directory
from careerbot.directory.store import (POSTGRES_SCHEMA, DirectoryStore, PostgresStore,
                                       SQLiteStore)
from careerbot.office import Office
from careerbot.places import PlaceIndex, Place
from careerbot.settings import PROJECT_ROOT
from tests.support import services


# Category terms as the sample preset (careerbot/directory/presets/sample.yml) names them.
WORKFORCE, CAREER, ADULT_ED, LIBRARY = ("workforce-development", "career-counseling",
                                         "adult-education", "library-career-services")
GED = "ged-preparation"  # a child of adult-education

OFFICE = Office(name="Test Career Office", phone="217-555-0199", email="help@example.org",
                address="1 Example Street, Springfield, IL 62701", hours="Mon-Fri 9-5",
                website="https://office.example.org")

WEEKDAYS = "MO,TU,WE,TH,FR"

# The shipped sample directory (an HSDS package).
SAMPLE = PROJECT_ROOT / "directory" / "sample"


@dataclass
class PackageBuilder:
    """Rows of an HSDS package, added an organisation at a time (each at a real ZIP code)."""

    rows: Dict[str, List[dict]] = field(
        default_factory=lambda: {name: [] for name in TABLES_BY_NAME})

    def __post_init__(self):
        self.rows["taxonomy"].append({"id": "tax-1", "name": "Test categories",
                                      "description": "Categories for tests"})
        for code, parent in ((WORKFORCE, None), (CAREER, None), (ADULT_ED, None),
                             (GED, ADULT_ED), (LIBRARY, None), (SAMPLE_LISTING_TERM, None)):
            self.rows["taxonomy_term"].append({
                "id": f"term-{code}", "code": code, "name": code.replace("-", " ").title(),
                "description": f"{code} services", "taxonomy_id": "tax-1",
                "parent_id": f"term-{parent}" if parent else None})

    def organization(self, key: str, name: str, zip_code: str, term: str,
                     service: str = "Main service", sample: bool = False,
                     hours: Sequence[Tuple[str, str, str]] = ((WEEKDAYS, "08:00", "16:30"),),
                     status: str = "active", coordinates: bool = True, **service_fields) -> str:
        """An organisation with one location (at the ZIP code's centre) offering one service."""
        record = zipcodes.matching(zip_code)[0]
        org, loc, svc = f"org-{key}", f"loc-{key}", f"svc-{key}"
        self.rows["organization"].append({"id": org, "name": name,
                                          "description": f"{name} (test data)",
                                          "website": f"https://{key}.example.org"})
        self.rows["location"].append({"id": loc, "location_type": "physical",
                                      "organization_id": org,
                                      "latitude": record["lat"] if coordinates else None,
                                      "longitude": record["long"] if coordinates else None})
        self.rows["address"].append({"id": f"addr-{key}", "location_id": loc,
                                     "address_1": "1 Example Street", "city": record["city"],
                                     "state_province": record["state"], "postal_code": zip_code,
                                     "country": "US", "address_type": "physical"})
        self.rows["phone"].append({"id": f"phone-{key}", "organization_id": org,
                                   "number": "217-555-0142"})
        self.rows["service"].append({"id": svc, "organization_id": org, "name": service,
                                     "status": status, **service_fields})
        self.rows["service_at_location"].append({"id": f"sal-{key}", "service_id": svc,
                                                 "location_id": loc})
        self.rows["attribute"].append({"id": f"attr-{key}", "link_id": svc,
                                       "link_entity": "service", "link_type": "category",
                                       "taxonomy_term_id": f"term-{term}"})
        if sample:
            self.rows["attribute"].append({"id": f"attr-{key}-sample", "link_id": org,
                                           "link_entity": "organization", "link_type": "marker",
                                           "taxonomy_term_id": f"term-{SAMPLE_LISTING_TERM}"})
        for i, (byday, opens, closes) in enumerate(hours):
            self.rows["schedule"].append({"id": f"sched-{key}-{i}", "service_id": svc,
                                          "freq": "WEEKLY", "byday": byday,
                                          "opens_at": opens, "closes_at": closes})
        return svc

    def write(self, directory: Path) -> Path:
        return write_package(directory, self.rows)


def springfield_package(directory: Path) -> Path:
    """A small directory around Springfield, IL, plus one listing in Austin, TX."""
    builder = PackageBuilder()
    builder.organization("prairie", "Prairie Jobs Center", "62701", WORKFORCE)
    builder.organization("westside", "Westside Workforce Office", "62704", WORKFORCE)
    builder.organization("chatham", "Chatham Job Link", "62629", WORKFORCE)
    builder.organization("jacksonville", "Jacksonville Workforce Office", "62650", WORKFORCE)
    builder.organization("rochester", "Rochester Employment Desk", "62563", WORKFORCE)
    builder.organization("decatur", "Decatur Career Counseling", "62521", CAREER)
    builder.organization("bluestem", "Bluestem Learning", "62703", GED, service="GED classes")
    builder.organization("austin", "Austin Workforce Office", "78701", WORKFORCE)
    return builder.write(directory)


def place(zip_code: str) -> Place:
    return PlaceIndex.default().by_zip(zip_code)


class FixedClock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


# Wednesday 18 November 2026, 15:00 UTC = 9:00 in Springfield, IL (CST, UTC-6).
WEDNESDAY_MORNING_IN_ILLINOIS = datetime(2026, 11, 18, 15, 0, tzinfo=timezone.utc)


def directory_for(store: DirectoryStore, clock=FixedClock(WEDNESDAY_MORNING_IN_ILLINOIS),
                  live_provider=None, mapping_path: Optional[Path] = None) -> Directory:
    return Directory(store, load_mapping(mapping_path), clock, live_provider)


@pytest.fixture(scope="module", name="sample")
def sample_directory(tmp_path_factory) -> Iterator[Directory]:
    """The shipped sample directory in a real SQLite store; the clock on a Wednesday morning."""
    sqlite = SQLiteStore(tmp_path_factory.mktemp("sample") / "directory.db")
    assert import_package(SAMPLE, sqlite).problems == []
    yield directory_for(sqlite)
    sqlite.close()


# ---- the import command -----------------------------------------------------------------------

PROBLEM_LINE = re.compile(
    r"^(?P<file>[\w.]+\.csv):(?P<line>\d+): (?P<column>[^:]+): (?P<reason>.+)$")


def reported_problems(out: str) -> Set[Tuple[str, int, str, str]]:
    """(file, line, column, reason) of each problem line the import command printed."""
    return {(m["file"], int(m["line"]), m["column"], m["reason"])
            for m in map(PROBLEM_LINE.match, out.splitlines()) if m}


def csv_rows(path: Path) -> int:
    """The number of records in a CSV file, its header aside."""
    with open(path, encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def run_cli(*args: str):
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(args), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_database(request, tmp_path, monkeypatch):
    """The environment `make import-directory` runs in, without a directory yet: SQLite under
    CAREERBOT_DATA_DIR, or PostgreSQL from DATABASE_URL."""
    monkeypatch.setenv("CAREERBOT_DATA_DIR", str(tmp_path / "var"))
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("DATABASE_URL", url)
        # Each test starts without a directory, as with SQLite's fresh CAREERBOT_DATA_DIR: an
        # import is measured against the directory it would replace.
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {POSTGRES_SCHEMA} CASCADE")
        connection.close()
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    return request.param


# ---- PostgreSQL -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway database for this test session, dropped afterwards."""
    name = f"careerbot_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(services.postgres_url())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield services.postgres_url(name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_factory(request, tmp_path):
    """Makes stores on one directory database, SQLite or PostgreSQL: several stores act like
    several processes (an importer and a running bot)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    schema = f"directory_{uuid.uuid4().hex[:10]}"  # one per test, in the session's database
    made: List[DirectoryStore] = []

    def factory() -> DirectoryStore:
        made.append(SQLiteStore(tmp_path / "var" / "directory.db") if url is None
                    else PostgresStore(url, schema=schema))
        return made[-1]

    factory.kind = request.param
    yield factory
    for store in made:
        store.close()


@pytest.fixture
def store(store_factory) -> DirectoryStore:
    return store_factory()
