"""Command line for the resource directory.

    python -m careerbot.directory import DIR          validate and load an HSDS 3.0 package
    python -m careerbot.directory generate OUT_DIR    write the synthetic benchmark package
    python -m careerbot.directory search --near 62704 --type workforce_center

`import` prints every problem as `file:line: column: reason`, then rows loaded and skipped per
file. Exit status: 0 everything loaded, 1 some rows were skipped (the rest loaded), 2 nothing was
loaded (the package or the database could not be used).
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import List, Optional, TextIO

import psycopg2

from careerbot.directory.format import format_results
from careerbot.directory.generate import generate_synthetic_package
from careerbot.directory.importer import ImportReport, import_package
from careerbot.directory.search import DEFAULT_RADIUS_MILES, Directory
from careerbot.directory.store import DirectoryStore, open_store
from careerbot.directory.validate import PackageError
from careerbot.office import current_office
from careerbot.places import PlaceIndex

EXIT_OK, EXIT_ROWS_SKIPPED, EXIT_FATAL = 0, 1, 2


def main(argv: Optional[List[str]] = None, out: Optional[TextIO] = None,
         err: Optional[TextIO] = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(prog="python -m careerbot.directory",
                                     description="Resource directory tools")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("import", help="validate and load an HSDS 3.0 package")
    load.add_argument("directory", type=Path)
    generate = commands.add_parser("generate", help="write a synthetic benchmark package")
    generate.add_argument("directory", type=Path)
    generate.add_argument("--services", type=int, default=100_000)
    generate.add_argument("--seed", type=int, default=1)
    search = commands.add_parser("search", help="search the loaded directory like the bot does")
    search.add_argument("--near", required=True, help='a ZIP code or place, e.g. "Springfield, IL"')
    kinds = search.add_mutually_exclusive_group(required=True)
    kinds.add_argument("--type", action="append", dest="types", metavar="RESOURCE_TYPE")
    kinds.add_argument("--barrier")
    search.add_argument("--radius", type=float, default=DEFAULT_RADIUS_MILES)
    search.add_argument("--offset", type=int, default=0)
    args = parser.parse_args(argv)

    if args.command == "import":
        return _import(args.directory, out, err)
    if args.command == "generate":
        generate_synthetic_package(args.directory, args.services, args.seed)
        print(f"Wrote {args.services} synthetic services to {args.directory}", file=out)
        return EXIT_OK
    return _search(args, out, err)


def _import(directory: Path, out: TextIO, err: TextIO) -> int:
    store = open_store()
    try:
        report = import_package(directory, store)
    except PackageError as error:
        print(f"error: {error}", file=err)
        print("Nothing was loaded; the directory is unchanged.", file=err)
        return EXIT_FATAL
    except (sqlite3.Error, psycopg2.Error, OSError) as error:
        print(f"error: cannot write the directory ({type(error).__name__}: {error})", file=err)
        print("Nothing was loaded; the directory is unchanged.", file=err)
        return EXIT_FATAL
    finally:
        store.close()
    for problem in report.problems:
        print(problem, file=out)
    _print_summary(report, store, out)
    return EXIT_ROWS_SKIPPED if report.skipped_rows else EXIT_OK


def _print_summary(report: ImportReport, store: DirectoryStore, out: TextIO) -> None:
    if report.problems:
        print(file=out)
    print(f"Loaded into the {store} in {report.seconds:.1f} s:", file=out)
    width = max(len(f) for f in report.loaded)
    for file, loaded in report.loaded.items():
        print(f"  {file:<{width}}  {loaded:>7} loaded  {report.skipped[file]:>5} skipped", file=out)
    if report.absent:
        print(f"  not in the package: {', '.join(report.absent)}", file=out)
    print(f"{report.listings} services at locations can be searched.", file=out)
    if report.unlocated:
        print(f"{report.unlocated} active services at locations have neither coordinates nor a "
              "known ZIP code and cannot be found by distance.", file=out)
    if report.skipped_rows:
        print(f"{report.skipped_rows} rows were skipped; fix them and import again.", file=out)


def _search(args, out: TextIO, err: TextIO) -> int:
    resolution = PlaceIndex.default().resolve(args.near)
    if resolution.place is None:
        choices = "; ".join(p.label for p in resolution.places) or "no such place"
        print(f"error: cannot place {args.near!r} ({choices})", file=err)
        return EXIT_FATAL
    directory = Directory.open()
    try:
        types = args.types or directory.resource_types_for_barrier(args.barrier)
        result = directory.search(types, resolution.place, args.radius, offset=args.offset)
    except ValueError as error:
        print(f"error: {error}", file=err)
        return EXIT_FATAL
    finally:
        directory.store.close()
    print(format_results(result, current_office()), file=out)
    return EXIT_OK
