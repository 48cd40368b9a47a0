"""Re-importing replaces the directory atomically: a bot reading while an import runs sees the
old directory or the new one, complete, and never a mix (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading

from careerbot.directory.generate import generate_synthetic_package
from careerbot.directory.importer import import_package
from careerbot.directory.mapping import load_mapping
# Fixtures are imported by name so pytest finds them in this module.
from tests.support.directory import (place, postgres_url, springfield_package,  # noqa: F401
                                     store_factory)

TABLES_COUNTED = ("listings", "services", "service_at_location", "attributes", "schedules")


def test_reader_sees_only_complete_directories_during_reimports(tmp_path, store_factory):
    small = springfield_package(tmp_path / "small")
    large = generate_synthetic_package(tmp_path / "large", services=4000, seed=3)
    importer, reader = store_factory(), store_factory()  # as if two processes
    import_package(small, importer)
    small_counts = tuple(reader.counts()[t] for t in TABLES_COUNTED)
    terms = load_mapping().terms_for(["workforce_center"])
    springfield = place("62701")
    small_total = reader.nearby(terms, springfield.latitude, springfield.longitude, 25, 3).total

    observed, searched, errors = [], [], []
    stop = threading.Event()

    def keep_reading():
        while not stop.is_set():
            try:
                counts = reader.counts()
                observed.append(tuple(counts[t] for t in TABLES_COUNTED))
                page = reader.nearby(terms, springfield.latitude, springfield.longitude, 25, 3)
                searched.append(page.total)
            except Exception as error:  # noqa: BLE001 - any failure is a finding
                errors.append(error)

    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        # Forced: going from 4000 services to 8 is the shrink an import refuses by default.
        reports = [import_package(package, importer, force=True)
                   for package in (large, small, large)]
    finally:
        stop.set()
        thread.join()
    large_counts = tuple(reader.counts()[t] for t in TABLES_COUNTED)
    large_total = reader.nearby(terms, springfield.latitude, springfield.longitude, 25, 3).total

    assert errors == []
    assert all(report.problems == [] for report in reports)
    assert large_counts[0] == 4000 and small_counts[0] == 8
    assert set(observed) == {small_counts, large_counts}  # both seen, nothing in between
    assert len(observed) > 20  # the reader really was reading while the imports ran
    # A search answers from one directory or the other: 4 nearby centres in the small one.
    assert small_total == 4 and large_total != small_total
    assert set(searched) == {small_total, large_total}
