"""The shipped sample directory: obviously fictional, labelled as such wherever it is shown, at
real ZIP codes, and useful for a demo around Springfield, IL in every category."""
from __future__ import annotations

import csv
import re

import pytest
import zipcodes

from careerbot.directory import cli
from careerbot.directory.format import format_listing
from careerbot.directory.importer import SAMPLE_LISTING_TERM, import_package
from careerbot.directory.mapping import RESOURCE_TYPES
from careerbot.settings import PROJECT_ROOT
# Fixtures are imported by name so pytest finds them in this module.
from tests.support.directory import (directory_for, place, postgres_url, store,  # noqa: F401
                                     store_factory)

SAMPLE = PROJECT_ROOT / "directory" / "sample"


def rows(file: str) -> list:
    with open(SAMPLE / file, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_organisation_is_obviously_fictional_and_marked():
    organizations = rows("organizations.csv")
    marker = {t["id"] for t in rows("taxonomy_terms.csv") if t["code"] == SAMPLE_LISTING_TERM}
    marked = {a["link_id"] for a in rows("attributes.csv")
              if a["taxonomy_term_id"] in marker and a["link_entity"] == "organization"}
    assert 18 <= len(organizations) <= 25
    for org in organizations:
        assert org["name"].startswith("Sample "), org["name"]
        assert "Fictional sample listing" in org["description"]
        assert re.fullmatch(r"https://[a-z0-9-]+\.example\.org", org["website"])
        assert org["id"] in marked
    for phone in rows("phones.csv"):
        assert re.fullmatch(r"\d{3}-555-01\d\d", phone["number"]), phone["number"]
    for service in rows("services.csv"):
        assert ".example.org/" in service["url"] and "Fictional sample listing" in \
            service["description"]


def test_locations_sit_at_the_centre_of_real_zip_codes():
    addresses = {a["location_id"]: a for a in rows("addresses.csv")}
    for location in rows("locations.csv"):
        record = zipcodes.matching(addresses[location["id"]]["postal_code"])[0]
        assert (float(location["latitude"]), float(location["longitude"])) == \
            (float(record["lat"]), float(record["long"]))
        assert addresses[location["id"]]["city"] == record["city"].title()


@pytest.fixture
def sample(store):
    report = import_package(SAMPLE, store)
    assert report.problems == []
    return directory_for(store)


@pytest.mark.parametrize("resource_type", RESOURCE_TYPES)
def test_every_resource_type_has_labelled_sample_listings_near_springfield(sample,
                                                                          resource_type):
    result = sample.search([resource_type], place("62701"))

    assert result.listings and not result.widened
    for listing in result.listings:
        assert listing.is_sample and listing.resource_types == (resource_type,)
        assert format_listing(listing).splitlines()[0].endswith("(sample listing)")
        assert listing.phone and listing.hours and listing.website


def test_the_demo_region_matters(sample):
    springfield = sample.search(["workforce_center"], place("62704"), limit=10)
    austin = sample.search(["workforce_center"], place("78704"), limit=10)

    assert {x.address.split(", ")[-1][:2] for x in springfield.listings} == {"IL"}
    assert [x.organization for x in austin.listings] == ["Sample Bluebonnet Workforce Center"]


def test_search_command_shows_what_the_bot_would(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CAREERBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CAREERONESTOP_USER_ID", raising=False)
    assert cli.main(["import", str(SAMPLE)]) == 0
    capsys.readouterr()

    assert cli.main(["search", "--near", "Springfield, IL", "--barrier", "childcare"]) == 0
    shown = capsys.readouterr().out

    assert shown.startswith("Childcare assistance programs near Springfield, IL, within 25 "
                            "miles, nearest first (1 of 1):")
    assert "Sample Little Acorns Childcare Assistance Office — Childcare payment assistance " \
           "(sample listing)" in shown
    assert "217-555-0106" in shown


def test_generate_command_writes_a_loadable_fictional_package(tmp_path, store):
    out = tmp_path / "synthetic"
    assert cli.main(["generate", str(out), "--services", "40"]) == 0
    report = import_package(out, store)
    assert report.problems == [] and report.listings == 40
    assert all(listing.is_sample for listing in directory_for(store).search(
        ["library"], place("10001"), radius_miles=3000, limit=40).listings)
