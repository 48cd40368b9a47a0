"""Read an HSDS 3.0 tabular data package and check it row by row.

Every fault becomes a Problem naming the file, the line the record starts on, the column and the
reason; the faulty row is skipped and everything else is kept. Only faults that make the whole
package unusable (a mandatory file or column missing, a file that is not UTF-8 CSV, an unreadable
datapackage.json) raise PackageError.

Checks beyond the specification's schema, which leaves them open: latitude and longitude ranges,
US ZIP codes, dialable phone numbers, schedule times, dates and recurrence days that the search
can evaluate, and languages that name a language (by ISO 639 code or name) and what it is spoken
at (a service, a location or a phone).
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Set, Tuple

from careerbot.directory import hours, languages
from careerbot.directory.hsds import (ATTRIBUTE, ATTRIBUTE_LINK_COLUMN, LANGUAGE, LOCATION,
                                      TABLES, TABLES_BY_NAME, Table, table_for_link_entity)

DATAPACKAGE_FILE = "datapackage.json"

Row = Tuple[Optional[str], ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


class PackageError(Exception):
    """The package cannot be loaded at all."""


@dataclass
class TableRows:
    """The rows of one table that passed every check, aligned with `table.columns`."""

    table: Table
    file: str                       # the file name as the package gives it
    present: bool = False           # the package includes this file
    rows: List[Row] = field(default_factory=list)
    lines: List[int] = field(default_factory=list)
    skipped: int = 0

    def column(self, row: Row, name: str) -> Optional[str]:
        return row[self.table.index(name)]

    def ids(self) -> Set[str]:
        return {row[0] for row in self.rows}


@dataclass
class ValidatedPackage:
    directory: Path
    tables: Dict[str, TableRows]
    problems: List[Problem]

    def __getitem__(self, table_name: str) -> TableRows:
        return self.tables[table_name]


# ---- value checks -----------------------------------------------------------------------------
# Each takes the value and the whole row (some checks depend on another column) and raises
# ValueError with the reason a person fixing the file needs.

_ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")
_EXTENSION_RE = re.compile(r"\s*(?:ext\.?|extension|x)\s*\d{1,6}\s*$", re.IGNORECASE)
_PHONE_CHARS_RE = re.compile(r"^\+?[\d\s().\-/]+$")
_N11_CODES = {"211", "311", "411", "511", "611", "711", "811", "911"}


def check_coordinate(value: str, limit: float, name: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a number") from None
    if not -limit <= number <= limit:
        raise ValueError(f"{name} {value} is outside -{limit:g} to {limit:g}")


def check_postal_code(value: str, row: Mapping[str, Optional[str]]) -> None:
    country = (row.get("country") or "US").strip().upper()
    if country in ("US", "USA") and not _ZIP_RE.match(value):
        raise ValueError(f"'{value}' is not a US ZIP code (12345 or 12345-6789)")


def check_phone(value: str) -> None:
    """A number someone can dial: 10-digit North American, +international, or 211-style."""
    number = _EXTENSION_RE.sub("", value.strip().strip('"'))
    if not _PHONE_CHARS_RE.match(number):
        raise ValueError(f"'{value}' is not a phone number (digits, spaces, +, -, ., parentheses)")
    digits = re.sub(r"\D", "", number)
    if number.startswith("+") and not number.startswith("+1"):
        if not 8 <= len(digits) <= 15:
            raise ValueError(f"'{value}' is not an international number (8 to 15 digits)")
        return
    if digits in _N11_CODES:
        return
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValueError(f"'{value}' is not a 10-digit phone number with area code")
    if digits[0] in "01" or digits[3] in "01":
        raise ValueError(f"'{value}' is not a valid North American number "
                         "(area code and exchange cannot start with 0 or 1)")


_FORMAT_CHECKS: Dict[str, Callable[[str, Mapping[str, Optional[str]]], object]] = {
    "latitude": lambda v, _: check_coordinate(v, 90, "latitude"),
    "longitude": lambda v, _: check_coordinate(v, 180, "longitude"),
    "postal_code": check_postal_code,
    "phone": lambda v, _: check_phone(v),
    "time": lambda v, _: hours.parse_time(v),
    "date": lambda v, _: hours.parse_date(v),
    "utc_offset": lambda v, _: hours.parse_utc_offset_hours(v),
    "byday": lambda v, _: hours.parse_byday(v),
    "monthdays": lambda v, _: hours.parse_monthdays(v),
    "positive_integer": lambda v, _: hours.parse_positive_integer(v),
    "language_code": lambda v, _: languages.check_code(v),
}


def _row_problems(table: Table, row: Mapping[str, Optional[str]]) -> Iterator[Tuple[str, str]]:
    """(column, reason) for every field-level fault of one row."""
    for column in table.columns:
        value = row.get(column)
        if value is None:
            if column in table.required:
                yield column, "required value is missing"
            continue
        allowed = table.enums.get(column)
        if allowed is not None and value not in allowed:
            yield column, f"'{value}' is not one of {', '.join(sorted(allowed))}"
        kind = table.formats.get(column)
        if kind:
            try:
                _FORMAT_CHECKS[kind](value, row)
            except ValueError as error:
                yield column, str(error)
    if table is LOCATION and (row.get("latitude") is None) != (row.get("longitude") is None):
        missing = "longitude" if row.get("longitude") is None else "latitude"
        yield missing, "latitude and longitude must be given together"
    if table is LANGUAGE:
        if row.get("name") is None and row.get("code") is None:
            yield "name", "names no language: give its name or its ISO 639 code (or both)"
        if all(row.get(c) is None for c in ("service_id", "location_id", "phone_id")):
            yield "service_id", ("the language is spoken at no service, location or phone: "
                                 "give service_id, location_id or phone_id")


# ---- reading ----------------------------------------------------------------------------------

def read_package(directory: Path) -> ValidatedPackage:
    directory = Path(directory)
    if not directory.is_dir():
        raise PackageError(f"{directory} is not a directory")
    paths = _resource_paths(directory)
    problems: List[Problem] = []
    tables: Dict[str, TableRows] = {}
    all_ids: Dict[str, Set[str]] = {}  # every id seen, kept or not: tells "skipped" from "absent"
    for table in TABLES:
        file = paths.get(table.name, table.path)
        rows = TableRows(table, file)
        tables[table.name] = rows
        path = directory / file
        if not path.is_file():
            if table.mandatory:
                raise PackageError(f"{file} is missing; an HSDS package needs "
                                   f"{', '.join(t.path for t in TABLES if t.mandatory)}")
            continue
        rows.present = True
        all_ids[table.name] = _read_rows(path, rows, problems)
    kept_ids: Dict[str, Set[str]] = {}
    for table in TABLES:  # targets come first, so their kept ids are final when looked up
        kept_ids[table.name] = tables[table.name].ids()
        _check_references(tables, table, all_ids, kept_ids, problems)
        kept_ids[table.name] = tables[table.name].ids()
    file_order = {rows.file: i for i, rows in enumerate(tables.values())}
    problems.sort(key=lambda p: (file_order[p.file], p.line, p.column))
    return ValidatedPackage(directory, tables, problems)


def _resource_paths(directory: Path) -> Dict[str, str]:
    """Table name -> file, from datapackage.json when the package has one."""
    descriptor = directory / DATAPACKAGE_FILE
    if not descriptor.is_file():
        return {}
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8-sig"))
        resources = package.get("resources", [])
        found = {r["name"]: r["path"] for r in resources
                 if isinstance(r, dict) and r.get("name") in TABLES_BY_NAME and r.get("path")}
    except (OSError, ValueError, AttributeError, TypeError, KeyError) as error:
        raise PackageError(f"{DATAPACKAGE_FILE} cannot be read: {error}") from error
    for name, file in found.items():
        if not isinstance(file, str) or file.startswith(("/", "\\")) or ".." in Path(file).parts \
                or "://" in file:
            raise PackageError(f"{DATAPACKAGE_FILE}: resource {name} must be a file inside the "
                               f"package, not {file!r}")
    return found


def _read_rows(path: Path, rows: TableRows, problems: List[Problem]) -> Set[str]:
    table, file = rows.table, rows.file
    seen_ids: Dict[str, int] = {}
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = _read_header(reader, table, file)
            positions = {name: header.index(name) for name in table.columns if name in header}
            line = reader.line_num + 1
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    problems.append(Problem(file, line, "(row)", f"unreadable CSV: {error}"))
                    rows.skipped += 1
                    line = reader.line_num + 1
                    continue
                start, line = line, reader.line_num + 1
                if not values:
                    continue  # blank line
                if len(values) != len(header):
                    problems.append(Problem(file, start, "(row)", f"row has {len(values)} fields; "
                                            f"the header has {len(header)}"))
                    rows.skipped += 1
                    continue
                record = {name: (values[i].strip() or None) for name, i in positions.items()}
                faults = list(_row_problems(table, record))
                row_id = record.get("id")
                if row_id in seen_ids:
                    faults.append(("id", f"duplicate id '{row_id}' (first on line "
                                         f"{seen_ids[row_id]})"))
                elif row_id is not None:
                    seen_ids[row_id] = start
                if faults:
                    problems.extend(Problem(file, start, column, reason)
                                    for column, reason in faults)
                    rows.skipped += 1
                    continue
                rows.rows.append(tuple(record.get(name) for name in table.columns))
                rows.lines.append(start)
    except UnicodeDecodeError as error:
        raise PackageError(f"{file} is not UTF-8 text ({error.reason} at byte {error.start})") \
            from error
    return set(seen_ids)


def _read_header(reader, table: Table, file: str) -> List[str]:
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise PackageError(f"{file} is empty; it needs at least a header line") from None
    except csv.Error as error:
        raise PackageError(f"{file}:1: the header line is not valid CSV: {error}") from error
    missing = sorted(table.required - set(header))
    if missing:
        raise PackageError(f"{file} has no {', '.join(missing)} column; HSDS requires "
                           f"{'it' if len(missing) == 1 else 'them'}")
    return header


def _check_references(tables: Dict[str, TableRows], table: Table,
                      all_ids: Mapping[str, Set[str]], kept_ids: Mapping[str, Set[str]],
                      problems: List[Problem]) -> None:
    """Skip rows whose ids point at nothing, or at rows that were themselves skipped."""
    rows = tables[table.name]
    if not rows.present:
        return
    link_column, entity_column = ATTRIBUTE_LINK_COLUMN
    kept_rows, kept_lines = [], []
    for row, line in zip(rows.rows, rows.lines):
        targets = dict(table.references)
        if table is ATTRIBUTE:
            linked = table_for_link_entity(rows.column(row, entity_column))
            if linked is not None:
                targets[link_column] = linked.name
        faults = []
        for column, target_name in targets.items():
            value = rows.column(row, column)
            target = tables[target_name]
            # A reference into a table the package leaves out cannot be checked; HSDS allows
            # leaving optional tables out.
            if value is None or not target.present or value in kept_ids[target_name]:
                continue
            if value in all_ids[target_name]:
                faults.append((column, f"'{value}' refers to a row skipped in {target.file}"))
            else:
                faults.append((column, f"'{value}' is not an id in {target.file}"))
        if faults:
            problems.extend(Problem(rows.file, line, column, reason) for column, reason in faults)
            rows.skipped += 1
        else:
            kept_rows.append(row)
            kept_lines.append(line)
    rows.rows, rows.lines = kept_rows, kept_lines
