"""Command line for the resource directory.

    python -m careerbot.directory import DIR [--force]   validate and load an HSDS 3.0 package
    python -m careerbot.directory coverage [--warnings-only]  what the directory can answer
    python -m careerbot.directory generate OUT_DIR       write the synthetic benchmark package
    python -m careerbot.directory search --near 62704 --type workforce_center [--language es]

`import` prints every problem as `file:line: column: reason`, then rows loaded and skipped per
file, services per kind of help and per barrier, the taxonomy terms that map to no kind of help,
and a warning for each kind of help that finds nothing. Exit status: 0 everything loaded, 1 some
rows were skipped (the rest loaded), 2 nothing was loaded (the package, the mapping or the
database could not be used, or the package would leave fewer than one searchable service or
fewer than half of those in the directory now: --force loads it anyway).

`search` shows what the bot would reply; with --language es, what a Spanish speaker sees (the
listings where Spanish is spoken first, the reply in Spanish).

`coverage` prints the same counts and warnings for the directory in use and the mapping as it is
now (an edited directory_mapping.yml needs no re-import); with --warnings-only, the warnings
alone, which `make run` shows at start-up. Exit status 0, or 2 if the mapping or the database
cannot be read.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, TextIO

import psycopg2

from careerbot.directory import coverage
from careerbot.directory.mapping import MappingError, ResourceMapping, default_mapping
from careerbot.directory.store import DirectoryNotLoaded, DirectoryStore, open_store
from careerbot.directory.validate import PackageError
from careerbot.language import DEFAULT_LANGUAGE, LANGUAGES

# The commands that import, generate or search load careerbot.places, and with it spaCy and
# TensorFlow: seconds of start-up that `coverage`, run by every `make run`, does without. They
# import what they need when they run.
if TYPE_CHECKING:
    from careerbot.directory.importer import ImportReport

EXIT_OK, EXIT_ROWS_SKIPPED, EXIT_FATAL = 0, 1, 2


def main(argv: Optional[List[str]] = None, out: Optional[TextIO] = None,
         err: Optional[TextIO] = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(prog="python -m careerbot.directory",
                                     description="Resource directory tools")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("import", help="validate and load an HSDS 3.0 package")
    load.add_argument("directory", type=Path)
    load.add_argument("--force", action="store_true",
                      help="load even if it leaves fewer than one searchable service, or fewer "
                           "than half of those in the directory now")
    measured = commands.add_parser("coverage", help="services per kind of help and barrier")
    measured.add_argument("--warnings-only", action="store_true")
    generate = commands.add_parser("generate", help="write a synthetic benchmark package")
    generate.add_argument("directory", type=Path)
    generate.add_argument("--services", type=int, default=100_000)
    generate.add_argument("--seed", type=int, default=1)
    search = commands.add_parser("search", help="search the loaded directory like the bot does")
    search.add_argument("--near", required=True, help='a ZIP code or place, e.g. "Springfield, IL"')
    kinds = search.add_mutually_exclusive_group(required=True)
    kinds.add_argument("--type", action="append", dest="types", metavar="RESOURCE_TYPE")
    kinds.add_argument("--barrier")
    search.add_argument("--radius", type=float, help="miles (default: the bot's radius)")
    search.add_argument("--offset", type=int, default=0)
    search.add_argument("--language", choices=LANGUAGES, default=DEFAULT_LANGUAGE,
                        help="the language of the person searching (default: %(default)s)")
    args = parser.parse_args(argv)

    if args.command == "import":
        return _import(args.directory, args.force, out, err)
    if args.command == "coverage":
        return _coverage(args.warnings_only, out, err)
    if args.command == "generate":
        from careerbot.directory.generate import generate_synthetic_package
        generate_synthetic_package(args.directory, args.services, args.seed)
        print(f"Wrote {args.services} synthetic services to {args.directory}", file=out)
        return EXIT_OK
    return _search(args, out, err)


UNCHANGED = "Nothing was loaded; the directory is unchanged."


def _import(directory: Path, force: bool, out: TextIO, err: TextIO) -> int:
    from careerbot.directory.importer import ImportRefused, import_package
    try:
        mapping = default_mapping()  # read first: an import must not be what finds it broken
    except MappingError as error:
        print(f"error: {error}", file=err)
        print(UNCHANGED, file=err)
        return EXIT_FATAL
    store = open_store()
    try:
        try:
            report = import_package(directory, store, force=force)
        except ImportRefused as refused:
            _print_summary(refused.report, "Read from the package (nothing was loaded):", out)
            print(f"error: {refused}.", file=err)
            print(UNCHANGED, file=err)
            print("If the package is right, load it anyway: python -m careerbot.directory "
                  f"import {directory} --force", file=err)
            return EXIT_FATAL
        except PackageError as error:
            print(f"error: {error}", file=err)
            print(UNCHANGED, file=err)
            return EXIT_FATAL
        except (sqlite3.Error, psycopg2.Error, OSError) as error:
            print(f"error: cannot write the directory ({type(error).__name__}: {error})",
                  file=err)
            print(UNCHANGED, file=err)
            return EXIT_FATAL
        _print_summary(report, f"Loaded into the {store} in {report.seconds:.1f} s:", out)
        _print_coverage(store, mapping, out, report)
    finally:
        store.close()
    return EXIT_ROWS_SKIPPED if report.skipped_rows else EXIT_OK


def _print_summary(report: ImportReport, heading: str, out: TextIO) -> None:
    for problem in report.problems:
        print(problem, file=out)
    if report.problems:
        print(file=out)
    print(heading, file=out)
    width = max(len(f) for f in report.loaded)
    for file, loaded in report.loaded.items():
        print(f"  {file:<{width}}  {loaded:>7} loaded  {report.skipped[file]:>5} skipped", file=out)
    if report.absent:
        print(f"  not in the package: {', '.join(report.absent)}", file=out)
    print(f"{report.listings} services at locations can be searched.", file=out)
    if report.in_language:
        spanish = report.in_language["es"]
        print(f"{spanish} of them are offered in Spanish (languages.csv), shown first to "
              "Spanish speakers.", file=out)
    if report.unlocated:
        print(f"{report.unlocated} active services at locations have neither coordinates nor a "
              "known ZIP code and cannot be found by distance.", file=out)
    if report.skipped_rows:
        print(f"{report.skipped_rows} rows were skipped; fix them and import again.", file=out)


def _print_coverage(store: DirectoryStore, mapping: ResourceMapping, out: TextIO,
                    report: Optional[ImportReport] = None, warnings_only: bool = False) -> None:
    """Counts (and, after an import, the terms that map to nothing), then the warnings."""
    measured = coverage.measure(store, mapping)
    lines = [] if warnings_only else coverage.counts_lines(measured, mapping)
    if report is not None:
        lines += coverage.unmapped_lines(coverage.unmapped_terms(report.terms, mapping))
    for line in lines + coverage.warnings(measured, mapping):
        print(line, file=out)


def _coverage(warnings_only: bool, out: TextIO, err: TextIO) -> int:
    store = open_store()
    try:
        _print_coverage(store, default_mapping(), out, warnings_only=warnings_only)
    except DirectoryNotLoaded:
        print(coverage.NOT_IMPORTED, file=out)
    except MappingError as error:
        print(f"error: {error}", file=err)
        return EXIT_FATAL
    except (sqlite3.Error, psycopg2.Error) as error:
        print(f"error: cannot read the directory ({type(error).__name__}: {error})", file=err)
        return EXIT_FATAL
    finally:
        store.close()
    return EXIT_OK


def _search(args, out: TextIO, err: TextIO) -> int:
    from careerbot.directory.format import format_results
    from careerbot.directory.search import DEFAULT_RADIUS_MILES, Directory
    from careerbot.office import current_office
    from careerbot.places import PlaceIndex
    resolution = PlaceIndex.default().resolve(args.near)
    if resolution.place is None:
        choices = "; ".join(p.label for p in resolution.places) or "no such place"
        print(f"error: cannot place {args.near!r} ({choices})", file=err)
        return EXIT_FATAL
    directory = Directory.open()
    try:
        types = args.types or directory.resource_types_for_barrier(args.barrier)
        radius = DEFAULT_RADIUS_MILES if args.radius is None else args.radius
        result = directory.search(types, resolution.place, radius, offset=args.offset,
                                  language=args.language)
    except ValueError as error:
        print(f"error: {error}", file=err)
        return EXIT_FATAL
    finally:
        directory.store.close()
    print(format_results(result, current_office(), args.language), file=out)
    return EXIT_OK
