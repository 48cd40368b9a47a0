"""The optional live provider, CareerOneStop's American Job Center finder, against a fake API
server on 127.0.0.1: merged with the local directory, and never in the way when it fails."""
from __future__ import annotations

import logging
import time

import pytest

from careerbot.directory.careeronestop import CareerOneStop
from careerbot.directory.format import format_listing, format_results
from careerbot.directory.importer import import_package
from careerbot.directory.store import SQLiteStore
from tests.fakes.careeronestop import FakeCareerOneStop, center
from tests.support.directory import OFFICE, directory_for, place, springfield_package

CENTERS = [
    # Invented centres: one 1.4 mi from 62701, one far away (Peoria), one that the local
    # directory already lists (same name and place as Prairie Jobs Center at 62701).
    center("AJC-1", "Capital Area American Job Center", "10 Test Plaza", "Springfield", "IL",
           "62702", 39.8317, -89.6465, "2.21"),
    center("AJC-2", "Peoria Test Job Center", "1 Far Street", "Peoria", "IL", "61602",
           40.6931, -89.5890, "61.6"),
    center("AJC-3", "Prairie Jobs Center", "1 Example Street", "Springfield", "IL", "62701",
           39.8, -89.6495, "0.0"),
]


@pytest.fixture
def local_store(tmp_path):
    store = SQLiteStore(tmp_path / "directory.db")
    import_package(springfield_package(tmp_path / "package"), store)
    yield store
    store.close()


@pytest.fixture
def api():
    with FakeCareerOneStop(CENTERS) as fake:
        yield fake


def provider_for(api: FakeCareerOneStop) -> CareerOneStop:
    return CareerOneStop.from_env({"CAREERONESTOP_USER_ID": api.user_id,
                                   "CAREERONESTOP_TOKEN": api.token,
                                   "CAREERONESTOP_API_BASE_URL": api.url})


def test_enabled_only_with_both_credentials():
    assert CareerOneStop.from_env({}) is None
    assert CareerOneStop.from_env({"CAREERONESTOP_USER_ID": "u"}) is None
    assert CareerOneStop.from_env({"CAREERONESTOP_USER_ID": "u", "CAREERONESTOP_TOKEN": "t"}) \
        .base_url == "https://api.careeronestop.org"


def test_live_centres_are_merged_by_distance_and_marked(api, local_store):
    directory = directory_for(local_store, live_provider=provider_for(api))

    result = directory.search(["workforce_center"], place("62701"), limit=10)

    assert [(x.organization, x.source) for x in result.listings] == [
        ("Prairie Jobs Center", "directory"),          # the local entry, not its live twin
        ("Capital Area American Job Center", "CareerOneStop"),   # 2.2 mi
        ("Westside Workforce Office", "directory"),              # 2.8 mi
        ("Rochester Employment Desk", "directory"),              # 7.2 mi
        ("Chatham Job Link", "directory"),                       # 9.3 mi
    ]  # Peoria (62 mi) is outside the radius
    assert result.total == 5
    live = result.listings[1]
    assert format_listing(live) == "\n".join([
        "Capital Area American Job Center — American Job Center (from CareerOneStop)",
        "10 Test Plaza, Springfield, IL 62702 · 2.2 miles",
        "(217) 555-0177 · Monday - Friday 8:00 AM - 4:30 PM",
        "https://ajc.example.org",
    ])
    assert live.resource_types == ("workforce_center",)
    request = api.requests[-1]
    assert request["path"] == ["v1", "ajcfinder", "test-user", "62701", "25", "0", "0", "0",
                               "0", "Distance", "ASC", "0", "10"]
    assert request["authorization"] == "Bearer test-token"


def test_categories_it_does_not_cover_do_not_call_it(api, local_store):
    directory = directory_for(local_store, live_provider=provider_for(api))
    directory.search(["adult_education"], place("62701"))
    assert api.requests == []


def test_widening_applies_to_live_results_too(api, local_store):
    api.centers = [CENTERS[1]]  # only Peoria: 40 mi from Lincoln
    directory = directory_for(local_store, live_provider=provider_for(api))

    result = directory.search(["career_center"], place("62656"))  # Lincoln, IL

    assert result.widened
    assert [x.organization for x in result.listings] == ["Decatur Career Counseling",  # 31 mi
                                                         "Peoria Test Job Center"]     # 40 mi
    assert [r["path"][4] for r in api.requests] == ["25", "50"]


@pytest.mark.parametrize("mode", ["slow", "error", "garbage"])
def test_failures_fall_back_to_the_local_directory_quickly_and_quietly(api, local_store, mode,
                                                                       caplog):
    api.mode = mode
    directory = directory_for(local_store, live_provider=provider_for(api))

    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        result = directory.search(["workforce_center"], place("62701"))
    elapsed = time.monotonic() - started

    assert elapsed < 2.8  # the API gets 2 s; the local search takes milliseconds
    assert [x.source for x in result.listings] == ["directory"] * 3
    assert "Prairie Jobs Center" in format_results(result, OFFICE)
    logged = caplog.text
    assert "CareerOneStop unavailable" in logged
    # Nothing that identifies the person or the deployment's credentials.
    assert "62701" not in logged and "test-token" not in logged and "test-user" not in logged


def test_wrong_credentials_fall_back_too(api, local_store):
    provider = CareerOneStop("test-user", "wrong-token", api.url)
    result = directory_for(local_store, live_provider=provider).search(
        ["workforce_center"], place("62701"))
    assert result.total == 4 and all(x.source == "directory" for x in result.listings)
