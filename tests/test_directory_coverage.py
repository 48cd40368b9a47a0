"""Real directories work without hand edits, and the import says when they would not.

Required fields are the official HSDS 3.0 schema's; taxonomy terms match however an export spells
them; directory_mapping.yml selects presets for open taxonomies; after every import (and at
`make run`) the office learns how many services answer each kind of help and each barrier, which
of its terms map to nothing, and in plain words which requests will find nothing.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from careerbot.directory import cli
from careerbot.directory.hsds import TABLES
from careerbot.directory.importer import import_package
from careerbot.directory.mapping import (BARRIERS, RESOURCE_TYPES, MappingError, load_mapping,
                                         normalise_term)
from careerbot.settings import PROJECT_ROOT
# Fixtures are imported by name so pytest finds them in this module.
from tests.support.directory import (CAREER, WORKFORCE, PackageBuilder,  # noqa: F401
                                     directory_for, place, postgres_url, springfield_package,
                                     store, store_factory)

# The official descriptor, copied from ../shared/hsds (tests/fixtures/shared/README.md).
OFFICIAL_SCHEMA = PROJECT_ROOT / "tests" / "fixtures" / "shared" / "hsds" / "datapackage-3.0.json"


def run_cli(*args: str):
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(args), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def sqlite_directory(tmp_path, monkeypatch):
    """The environment `make import-directory` and `make run` use, on SQLite."""
    monkeypatch.setenv("CAREERBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path / "var" / "directory.db"


def with_terms(builder: PackageBuilder, *terms) -> PackageBuilder:
    """Add taxonomy terms as (key, name, parent key or None), with no code: real exports often
    identify a term by its name alone."""
    for key, name, parent in terms:
        builder.rows["taxonomy_term"].append({
            "id": f"term-{key}", "name": name, "description": name, "taxonomy_id": "tax-1",
            "parent_id": f"term-{parent}" if parent else None})
    return builder


# ---- required fields are the specification's --------------------------------------------------

def official_resources() -> dict:
    descriptor = json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8"))
    return {resource["name"]: resource for resource in descriptor["resources"]}


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_required_fields_are_those_of_the_official_hsds_schema(table):
    resource = official_resources()[table.name]
    fields = [field["name"] for field in resource["schema"]["fields"]]
    required = {field["name"] for field in resource["schema"]["fields"]
                if field.get("constraints", {}).get("required")}

    assert table.path == resource["path"]
    assert table.required == required
    # Every column the specification defines is read, in its order (an export may add more).
    assert [column for column in table.columns if column in fields] == fields


@pytest.mark.parametrize("layout", ["without a link_type column", "with link_type left empty"])
def test_attributes_without_link_type_keep_their_categories(tmp_path, store, layout):
    builder = PackageBuilder()
    builder.organization("prairie", "Prairie Jobs Center", "62701", WORKFORCE)
    for row in builder.rows["attribute"]:
        row["link_type"] = None
    package = builder.write(tmp_path / "package")
    if layout == "without a link_type column":  # as Open Referral's own field guidance shows
        with open(package / "attributes.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        with open(package / "attributes.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, [c for c in rows[0] if c != "link_type"],
                                    extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)

    report = import_package(package, store)
    result = directory_for(store).search(["workforce_center"], place("62701"))

    assert report.problems == []
    assert [listing.organization for listing in result.listings] == ["Prairie Jobs Center"]


# ---- term names match however they are spelled -------------------------------------------------

def test_terms_are_compared_by_their_letters_and_digits_only():
    spellings = ["Child Care Assistance", "childcare-assistance", "CHILDCARE_ASSISTANCE",
                 " Child-care  assistance. "]
    assert {normalise_term(s) for s in spellings} == {normalise_term("childcare assistance")}
    assert normalise_term("Adult Education") != normalise_term("Adult Educations")


def test_terms_named_in_words_find_the_services_the_mapping_lists_by_code(tmp_path, store):
    builder = with_terms(PackageBuilder(), ("wd", "Workforce Development", None),
                         ("cca", "Child Care Assistance", None))
    builder.organization("prairie", "Prairie Jobs Center", "62701", "wd")
    builder.organization("acorn", "Acorn Child Care Aid", "62702", "cca")

    report = import_package(builder.write(tmp_path / "package"), store)
    directory = directory_for(store)

    assert report.problems == [] and report.listings == 2
    assert [x.organization for x in directory.search(
        ["workforce_center"], place("62701")).listings] == ["Prairie Jobs Center"]
    assert [x.organization for x in directory.search(
        directory.resource_types_for_barrier("childcare"), place("62701")).listings] == [
        "Acorn Child Care Aid"]


# ---- presets ------------------------------------------------------------------------------------

# Open Eligibility's own names and hierarchy (Human Services > ...), as an export carries them.
OPEN_ELIGIBILITY_SERVICES = [
    # (key, term name, parent key, organisation, resource type it should answer)
    ("work", "Work", None, None, None),
    ("find-work", "Help Find Work", "work", "Northside Job Help", "workforce_center"),
    ("supported", "Supported Employment", "work", "Ability Works", "nonprofit"),
    ("education", "Education", None, None, None),
    ("skills", "Skills & Training", "education", None, None),
    ("resume", "Resume Development", "skills", "Resume Lab", "career_center"),
    ("more-education", "More Education", "education", None, None),
    ("ged", "GED/High-School Equivalency", "more-education", "Second Chance GED",
     "adult_education"),
    ("care", "Care", None, None, None),
    ("daytime", "Daytime Care", "care", None, None),
    ("childcare", "Childcare", "daytime", None, None),
    ("pay-childcare", "Help Pay for Childcare", "childcare", "Sprout Childcare Aid",
     "childcare_assistance"),
    ("transit", "Transit", None, None, None),
    ("pay-transit", "Help Pay for Transit", "transit", None, None),
    ("bus", "Bus Passes", "pay-transit", "Ride to Work", "transportation_assistance"),
    ("emergency", "Emergency", None, None, None),
    ("emergency-payments", "Emergency Payments", "emergency", "Rainy Day Fund", "financial_aid"),
]


def open_eligibility_package(directory: Path) -> Path:
    builder = with_terms(PackageBuilder(), *((key, name, parent)
                                            for key, name, parent, _, _ in
                                            OPEN_ELIGIBILITY_SERVICES))
    for i, (key, _, _, organization, _) in enumerate(OPEN_ELIGIBILITY_SERVICES):
        if organization:
            builder.organization(key, organization, "62701", key)
    return builder.write(directory)


def test_an_open_eligibility_directory_works_with_the_shipped_mapping(tmp_path, store):
    import_package(open_eligibility_package(tmp_path / "package"), store)
    directory = directory_for(store)

    for _, _, _, organization, resource_type in OPEN_ELIGIBILITY_SERVICES:
        if organization:
            found = directory.search([resource_type], place("62701")).listings
            assert [x.organization for x in found] == [organization], resource_type


def test_presets_are_chosen_in_the_mapping_file(tmp_path, store):
    import_package(open_eligibility_package(tmp_path / "package"), store)
    shipped = (PROJECT_ROOT / "directory_mapping.yml").read_text(encoding="utf-8")
    assert re.search(r"^presets: \[.*open_eligibility.*\]$", shipped, re.MULTILINE)
    without = tmp_path / "without.yml"
    without.write_text(re.sub(r"^presets: .*$", "presets: [sample]", shipped, flags=re.MULTILINE))
    unknown = tmp_path / "unknown.yml"
    unknown.write_text(re.sub(r"^presets: .*$", "presets: [airs]", shipped, flags=re.MULTILINE))

    result = directory_for(store, mapping_path=without).search(["workforce_center"],
                                                               place("62701"))

    assert result.total == 0
    with pytest.raises(MappingError, match=r"no preset 'airs'.*open_eligibility.*sample"):
        load_mapping(unknown)


# ---- what every import and `make run` say -------------------------------------------------------

SECTION_LINE = re.compile(r"^  (?P<name>\S.*?) {2,}(?P<count>\d+)(?: services?)?$")


def section(out: str, heading: str) -> dict:
    """name -> count, from the indented lines under the line that starts with `heading`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading)) + 1
    found = {}
    for line in lines[start:]:
        match = SECTION_LINE.match(line)
        if not match:
            break
        found[match["name"]] = int(match["count"])
    return found


def warnings(out: str) -> list:
    return [line for line in out.splitlines() if line.startswith("Warning:")]


def test_every_import_counts_services_per_kind_of_help_and_barrier_and_warns(tmp_path,
                                                                            sqlite_directory):
    builder = with_terms(PackageBuilder(), ("food", "Food Pantry", None))
    builder.organization("prairie", "Prairie Jobs Center", "62701", WORKFORCE)
    builder.organization("westside", "Westside Workforce Office", "62704", WORKFORCE)
    builder.organization("decatur", "Decatur Career Counseling", "62521", CAREER)
    builder.organization("pantry", "Springfield Food Pantry", "62702", "food")
    mapping = load_mapping()

    status, out, err = run_cli("import", str(builder.write(tmp_path / "package")))

    assert status == 0, err
    per_type = section(out, "Services for each kind of help")
    assert per_type == {mapping.label(t): {"workforce_center": 2, "career_center": 1}.get(t, 0)
                        for t in RESOURCE_TYPES}
    per_barrier = section(out, "Services for each barrier")
    assert set(per_barrier) == {b.replace("_", " ") for b in BARRIERS}
    assert per_barrier["experience"] == 3 and per_barrier["criminal record"] == 2
    assert per_barrier["childcare"] == 0
    assert section(out, "Taxonomy terms that map to no kind of help") == {"Food Pantry": 1}
    # One warning per kind of help nobody will find, naming the barriers left with nothing.
    told = warnings(out)
    assert len(told) == len(RESOURCE_TYPES) - 2
    childcare = next(w for w in told if mapping.label("childcare_assistance") in w)
    assert "childcare" in childcare.split("(")[1] and "childcare_assistance" in childcare
    assert "directory_mapping.yml" in childcare
    assert not any(mapping.label("workforce_center") in w for w in told)

    # `make run` repeats them at start-up, and says nothing more.
    status, startup, err = run_cli("coverage", "--warnings-only")
    assert status == 0 and startup.splitlines() == told


def test_a_directory_every_kind_of_help_finds_gives_no_warning(tmp_path, sqlite_directory):
    status, out, err = run_cli("import", str(PROJECT_ROOT / "directory" / "sample"))

    assert status == 0 and warnings(out) == []
    assert section(out, "Taxonomy terms that map to no kind of help") == {}
    assert run_cli("coverage", "--warnings-only") == (0, "", "")


def test_coverage_tells_how_to_fix_a_directory_imported_with_older_term_keys(tmp_path,
                                                                            sqlite_directory):
    package = springfield_package(tmp_path / "package")
    assert run_cli("import", str(package))[0] == 0
    # An earlier version kept hyphens in the keys it stored ("workforce-development").
    with sqlite3.connect(sqlite_directory) as connection:
        connection.execute("UPDATE listing_terms SET term = 'workforce-development'")
    connection.close()

    status, out, err = run_cli("coverage", "--warnings-only")

    assert status == 0
    assert warnings(out) == [f"Warning: this directory was imported by an earlier version of "
                             f"the assistant, which matched taxonomy terms differently, so "
                             f"searches find nothing. Import it again: python -m "
                             f"careerbot.directory import {package.resolve()}"]


def test_coverage_before_any_import_says_so(sqlite_directory):
    status, out, err = run_cli("coverage", "--warnings-only")
    assert status == 0 and "no resource directory has been imported" in out


def test_make_run_repeats_the_warnings_before_starting_the_assistant():
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1).splitlines()
    assert recipe == ["\t$(PY) -m careerbot.directory coverage --warnings-only",
                      "\t$(PY) -m careerbot.launcher"]
