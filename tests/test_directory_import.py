"""Importing HSDS 3.0 packages: complete loads, every kind of fault reported where it is, fatal
packages refused, on SQLite and PostgreSQL, through the same command the Makefile runs."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from careerbot.directory.hsds import TABLES
from careerbot.directory.importer import import_package
from careerbot.directory.store import open_store, table_name
from careerbot.directory.validate import PackageError, read_package
# Fixtures are imported by name so pytest finds them in this module.
from tests.support.directory import (SAMPLE, PackageBuilder, WORKFORCE,  # noqa: F401
                                     cli_database, csv_rows, directory_for, place, postgres_url,
                                     reported_problems, run_cli, springfield_package, store,
                                     store_factory)


def import_summary(out: str) -> dict:
    """file -> (loaded, skipped) from the import command's summary lines."""
    found = re.findall(r"^  (\S+\.csv)\s+(\d+) loaded\s+(\d+) skipped$", out, re.MULTILINE)
    return {file: (int(loaded), int(skipped)) for file, loaded, skipped in found}


def test_sample_package_loads_completely(cli_database):
    status, out, err = run_cli("import", str(SAMPLE))

    assert status == 0, err
    store = open_store()
    try:
        counts = store.counts()
    finally:
        store.close()
    summary = import_summary(out)
    for table in TABLES:
        rows = csv_rows(SAMPLE / table.path)
        assert counts[table_name(table)] == rows, table.path
        assert summary[table.path] == (rows, 0)
    assert counts["listings"] == csv_rows(SAMPLE / "service_at_location.csv")
    assert "0 skipped" in out and "skipped; fix" not in out


def test_each_fault_is_reported_at_its_file_and_line_and_the_rest_loads(tmp_path, cli_database):
    builder = PackageBuilder()
    builder.organization("good", "Good Jobs Center", "62701", WORKFORCE,
                         description="Two-line description:\nthe CSV record spans two lines")
    builder.organization("also-good", "Also Good Center", "62702", WORKFORCE)
    rows = builder.rows
    # Faulty rows, appended after the good ones. Line = header line + position (+1 below for
    # the good service whose quoted description takes two physical lines).
    rows["organization"].append({"id": "org-nameless", "name": "", "description": "no name"})
    rows["service"].append({"id": "svc-orphan", "organization_id": "org-missing",
                            "name": "Orphan service", "status": "active"})
    rows["service_at_location"].append({"id": "sal-orphan", "service_id": "svc-orphan",
                                        "location_id": "loc-good"})
    rows["location"].append({"id": "loc-bad-latitude", "location_type": "physical",
                             "latitude": 123, "longitude": -89.6})
    rows["address"].append({"id": "addr-bad-zip", "location_id": "loc-good",
                            "address_1": "2 Example Street", "city": "Springfield",
                            "state_province": "IL", "postal_code": "ABCDE", "country": "US",
                            "address_type": "postal"})
    rows["phone"].append({"id": "phone-bad", "organization_id": "org-good", "number": "12-34"})
    rows["schedule"].append({"id": "sched-bad", "service_id": "svc-good", "freq": "WEEKLY",
                             "byday": "MO", "opens_at": "25:99", "closes_at": "17:00"})
    package = builder.write(tmp_path / "package")
    with open(package / "service_at_location.csv", "a", encoding="utf-8") as handle:
        handle.write("sal-extra,svc-good,loc-good,a description,an extra field\n")
    with open(package / "attributes.csv", "a", encoding="utf-8") as handle:
        handle.write('attr-broken,svc-good,"term-x"junk,category,service,,\n')

    status, out, err = run_cli("import", str(package))

    assert status == 1, err
    assert reported_problems(out) == {
        ("organizations.csv", 4, "name", "required value is missing"),
        ("services.csv", 5, "organization_id", "'org-missing' is not an id in organizations.csv"),
        ("locations.csv", 4, "latitude", "latitude 123 is outside -90 to 90"),
        ("service_at_location.csv", 4, "service_id",
         "'svc-orphan' refers to a row skipped in services.csv"),
        ("service_at_location.csv", 5, "(row)", "row has 5 fields; the header has 4"),
        ("addresses.csv", 4, "postal_code", "'ABCDE' is not a US ZIP code (12345 or 12345-6789)"),
        ("phones.csv", 4, "number", "'12-34' is not a 10-digit phone number with area code"),
        ("schedules.csv", 4, "opens_at",
         "'25:99' is not a time of day (hours 00-23, minutes 00-59)"),
        ("attributes.csv", 4, "(row)", "unreadable CSV: ',' expected after '\"'"),
    }
    summary = import_summary(out)
    assert summary["organizations.csv"] == (2, 1)
    assert summary["services.csv"] == (2, 1)
    assert summary["locations.csv"] == (2, 1)
    assert summary["service_at_location.csv"] == (2, 2)
    assert summary["addresses.csv"] == (2, 1)
    assert summary["phones.csv"] == (2, 1)
    assert summary["schedules.csv"] == (2, 1)
    assert summary["attributes.csv"] == (2, 1)
    assert "9 rows were skipped" in out

    # The good rows are searchable as usual.
    directory = directory_for(open_store())
    try:
        result = directory.search(["workforce_center"], place("62701"))
    finally:
        directory.store.close()
    assert [listing.organization for listing in result.listings] == [
        "Good Jobs Center", "Also Good Center"]


def test_missing_mandatory_file_loads_nothing_and_keeps_the_old_directory(tmp_path,
                                                                          cli_database):
    assert run_cli("import", str(springfield_package(tmp_path / "good")))[0] == 0
    broken = springfield_package(tmp_path / "broken")
    (broken / "services.csv").unlink()

    status, out, err = run_cli("import", str(broken))

    assert status == 2
    assert "services.csv is missing" in err and "the directory is unchanged" in err
    store = open_store()
    try:
        assert store.counts()["services"] == 8
    finally:
        store.close()


def listings_in_directory() -> int:
    store = open_store()
    try:
        return store.counts()["listings"]
    finally:
        store.close()


def set_column(path: Path, column: str, value: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    position = header.index(column)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header] + [row[:position] + [value] + row[position + 1:]
                                                 for row in rows])


def test_import_that_would_leave_nothing_to_find_keeps_the_directory(tmp_path, cli_database):
    assert run_cli("import", str(springfield_package(tmp_path / "good")))[0] == 0
    broken = springfield_package(tmp_path / "broken")
    set_column(broken / "services.csv", "status", "open")  # every service row fails validation

    status, out, err = run_cli("import", str(broken))

    assert status == 2
    assert "services.csv:2: status: 'open' is not one of" in out  # why, row by row
    assert "0 services" in err and "8 now" in err and "--force" in err
    assert "Nothing was loaded; the directory is unchanged." in err
    assert listings_in_directory() == 8
    directory = directory_for(open_store())
    try:
        assert directory.search(["workforce_center"], place("62701")).total == 4
    finally:
        directory.store.close()

    status, out, err = run_cli("import", str(broken), "--force")

    assert status == 1 and listings_in_directory() == 0


@pytest.mark.parametrize("services, replaced", [(3, False), (4, True)])
def test_import_that_would_lose_more_than_half_the_services_is_refused(tmp_path, cli_database,
                                                                       services, replaced):
    assert run_cli("import", str(springfield_package(tmp_path / "eight")))[0] == 0
    builder = PackageBuilder()
    for i in range(services):
        builder.organization(f"office-{i}", f"Office {i}", "62701", WORKFORCE)

    status, out, err = run_cli("import", str(builder.write(tmp_path / "smaller")))

    assert listings_in_directory() == (services if replaced else 8)
    assert status == (0 if replaced else 2)
    assert ("--force" in err) is not replaced


def test_missing_required_column_is_fatal(tmp_path):
    package = springfield_package(tmp_path / "package")
    text = (package / "organizations.csv").read_text(encoding="utf-8")
    (package / "organizations.csv").write_text(text.replace("description", "summary", 1),
                                               encoding="utf-8")
    with pytest.raises(PackageError, match="organizations.csv has no description column"):
        read_package(package)


def test_export_with_its_own_layout_and_extra_columns_loads(tmp_path, store):
    """datapackage.json decides where files are; columns HSDS does not define are ignored."""
    source = springfield_package(tmp_path / "flat")
    package = tmp_path / "export"
    (package / "data").mkdir(parents=True)
    descriptor = json.loads((source / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        with open(source / resource["path"], encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        with open(package / "data" / resource["path"], "w", encoding="utf-8",
                  newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header + ["vendor_field"])
            writer.writerows(row + ["vendor value"] for row in rows)
        resource["path"] = f"data/{resource['path']}"
    (package / "datapackage.json").write_text(json.dumps(descriptor))

    report = import_package(package, store)

    assert report.problems == [] and report.listings == 8


def test_unsafe_resource_path_is_refused(tmp_path):
    package = springfield_package(tmp_path / "package")
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["resources"][0]["path"] = "../../etc/passwd"
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    with pytest.raises(PackageError, match="must be a file inside the package"):
        read_package(package)


def test_inactive_services_and_unplaceable_locations_are_not_offered(tmp_path, store):
    builder = PackageBuilder()
    builder.organization("open", "Open Office", "62701", WORKFORCE)
    builder.organization("closed", "Closed Office", "62702", WORKFORCE,
                         status="temporarily closed")
    builder.organization("zip-only", "ZIP Only Office", "62704", WORKFORCE, coordinates=False)
    report = import_package(builder.write(tmp_path / "package"), store)

    result = directory_for(store).search(["workforce_center"], place("62701"))

    assert report.problems == []
    names = [listing.organization for listing in result.listings]
    assert names == ["Open Office", "ZIP Only Office"]  # placed at its ZIP code's centre
