"""Searching the directory as a person would: distances, order, radius widening, categories from
the mapping, "show more", open now, honest labels and an honest nothing-found message."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from careerbot.directory.format import format_listing, format_results
from careerbot.directory.geo import bounding_box, haversine_miles
from careerbot.directory.importer import import_package
from careerbot.directory.mapping import BARRIERS, RESOURCE_TYPES, load_mapping
from careerbot.directory.search import Directory
from careerbot.directory.store import SQLiteStore
# Fixtures are imported by name so pytest finds them in this module.
from tests.support.directory import (OFFICE, WORKFORCE, FixedClock, PackageBuilder,  # noqa: F401
                                     directory_for, place, postgres_url, springfield_package,
                                     store, store_factory)


# ---- distances ----------------------------------------------------------------------------------

# Reference distances are WGS84 ellipsoid geodesics (Vincenty), independent of the spherical
# formula under test; a sphere is within 0.5% of them.
@pytest.mark.parametrize("a, b, miles, tolerance", [
    # Springfield, IL 62701 to Chicago 60601, the ZIP codes' centres: 179.0 mi.
    ((39.8, -89.6495), (41.8858, -87.6181), 179.0, 3),
    # JFK to LAX airports: 2,475 mi.
    ((40.6413, -73.7781), (33.9416, -118.4085), 2475, 10),
    # One degree of latitude is 69.1 miles.
    ((10.0, 20.0), (11.0, 20.0), 69.1, 0.1),
    ((39.8, -89.6495), (39.8, -89.6495), 0.0, 1e-9),
])
def test_distance_matches_known_values(a, b, miles, tolerance):
    assert haversine_miles(*a, *b) == pytest.approx(miles, abs=tolerance)
    assert haversine_miles(*b, *a) == pytest.approx(haversine_miles(*a, *b))


def test_bounding_box_contains_the_whole_radius_even_across_the_date_line():
    box = bounding_box(51.88, -176.66, 50)  # Adak, Alaska, near 180°
    assert box.min_lat < 51.88 - 0.72 and box.max_lat > 51.88 + 0.72
    assert len(box.lon_ranges) == 1 and box.lon_ranges[0][0] < -177.7
    box = bounding_box(52.0, 179.6, 50)
    assert len(box.lon_ranges) == 2 and any(west == -180.0 for west, _ in box.lon_ranges)


# ---- order, radius, paging ----------------------------------------------------------------------

@pytest.fixture
def springfield(tmp_path, store):
    import_package(springfield_package(tmp_path / "package"), store)
    return directory_for(store)


def test_results_are_nearest_first_with_real_distances(springfield):
    here = place("62704")
    result = springfield.search(["workforce_center"], here, limit=10)

    names = [listing.organization for listing in result.listings]
    assert names == ["Westside Workforce Office", "Prairie Jobs Center", "Chatham Job Link",
                     "Rochester Employment Desk"]  # Jacksonville is ~30 mi away: outside 25
    for listing in result.listings:
        assert listing.distance_miles == pytest.approx(haversine_miles(
            here.latitude, here.longitude, listing.latitude, listing.longitude))
        assert listing.distance_miles <= 25
    assert [x.distance_miles for x in result.listings] == sorted(
        x.distance_miles for x in result.listings)
    assert not result.widened and result.total == 4


def test_show_more_continues_where_the_first_page_ended(springfield):
    here = place("62704")
    first = springfield.search(["workforce_center"], here)
    text = format_results(first, OFFICE)
    second = springfield.search(["workforce_center"], here, offset=first.next_offset)

    assert len(first.listings) == 3 and first.has_more and 'Say "show more"' in text
    assert "(1–3 of 4)" in text
    assert [x.organization for x in second.listings] == ["Rochester Employment Desk"]
    assert not second.has_more and "show more" not in format_results(second, OFFICE)
    assert format_results(springfield.search(["workforce_center"], here, offset=4), OFFICE) \
        .startswith("That's all")


def test_radius_widens_once_when_nothing_is_near_and_says_so(springfield):
    result = springfield.search(["career_center"], place("62701"))  # Decatur is 37 mi away

    assert result.widened and result.radius_miles == 50 and result.requested_radius_miles == 25
    assert [x.organization for x in result.listings] == ["Decatur Career Counseling"]
    text = format_results(result, OFFICE)
    assert text.startswith("I found nothing within 25 miles, so I looked further, within 50 "
                           "miles.")
    assert "37.4 miles" in text


def test_nothing_found_even_widened_gives_national_finders_and_the_office(springfield):
    result = springfield.search(["library"], place("62701"))

    assert result.total == 0 and result.widened
    text = format_results(result, OFFICE)
    assert "I couldn't find any libraries with job and career help within 50 miles of " \
           "Springfield, IL 62701" in text
    assert "careeronestop.org" in text and "American Job Center" in text
    assert "call 211 or visit 211.org" in text
    assert "Test Career Office: 217-555-0199, help@example.org, https://office.example.org" \
        in text


def test_region_matters(springfield):
    in_austin = springfield.search(["workforce_center"], place("78702"))
    from_springfield = springfield.search(["workforce_center"], place("62701"), limit=10)

    assert [x.organization for x in in_austin.listings] == ["Austin Workforce Office"]
    assert "Austin Workforce Office" not in [x.organization for x in from_springfield.listings]


# ---- categories ---------------------------------------------------------------------------------

def test_categories_come_from_the_mapping_including_child_terms(springfield):
    education = springfield.resource_types_for_barrier("education")
    result = springfield.search(education, place("62701"))

    assert education == ("adult_education", "community_college")
    # Bluestem's service is tagged ged-preparation, a child of the mapped adult-education term.
    assert [(x.organization, x.resource_types) for x in result.listings] == [
        ("Bluestem Learning", ("adult_education",))]
    assert result.listings[0].referral() == {"id": "sal-bluestem",
                                             "name": "Bluestem Learning — GED classes",
                                             "category": "adult_education"}


def test_an_office_can_remap_categories_without_reimporting(tmp_path, store):
    import_package(springfield_package(tmp_path / "package"), store)
    shipped = load_mapping()
    edited = tmp_path / "mapping.yml"
    lines = ["resource_types:"]
    for name, entry in shipped.resource_types.items():
        terms = ["Career Counseling"] if name == "library" else sorted(entry.terms)
        lines += [f"  {name}:", f"    label: {entry.label}", f"    terms: {terms}"]
    lines += ["barriers:"] + [f"  {b}: {list(types)}" for b, types in shipped.barriers.items()]
    edited.write_text("\n".join(lines) + "\n")

    directory = directory_for(store, mapping_path=edited)
    result = directory.search(["library"], place("62521"))

    # "Career Counseling" is the term's name (code career-counseling): names match too.
    assert [x.organization for x in result.listings] == ["Decatur Career Counseling"]


def test_unknown_or_missing_category_is_refused(springfield):
    with pytest.raises(ValueError, match="unknown resource type 'daycare'"):
        springfield.search(["daycare"], place("62701"))
    with pytest.raises(ValueError, match="at least one resource type"):
        springfield.search([], place("62701"))


def test_shipped_mapping_covers_the_contract_with_the_default_barriers():
    mapping = load_mapping()
    assert set(mapping.resource_types) == set(RESOURCE_TYPES)
    assert {b: mapping.resource_types_for_barrier(b) for b in BARRIERS} == {
        "childcare": ("childcare_assistance",),
        "transportation": ("transportation_assistance",),
        "financial": ("financial_aid",),
        "education": ("adult_education", "community_college"),
        "experience": ("workforce_center", "career_center"),
        "uncertainty": ("workforce_center", "career_center"),
        "criminal_record": ("workforce_center", "nonprofit"),
        "youth": ("workforce_center", "career_center"),
        "disability": ("workforce_center", "career_center"),
        "language": ("adult_education",),
    }


# ---- what a result shows ------------------------------------------------------------------------

def test_sample_label_comes_from_the_data_not_the_name(tmp_path, store):
    builder = PackageBuilder()
    builder.organization("marked", "Acme Jobs", "62701", WORKFORCE, sample=True)
    builder.organization("named", "Sample Street Jobs", "62702", WORKFORCE)
    import_package(builder.write(tmp_path / "package"), store)

    result = directory_for(store).search(["workforce_center"], place("62701"))
    titles = [format_listing(x).splitlines()[0] for x in result.listings]

    assert titles == ["Acme Jobs — Main service (sample listing)",
                      "Sample Street Jobs — Main service"]


def test_a_result_shows_everything_a_person_needs(tmp_path, store):
    builder = PackageBuilder()
    builder.organization("full", "Prairie Jobs Center", "62701", WORKFORCE,
                         service="Career coaching", sample=True,
                         eligibility_description="Adults 18 and over",
                         fees_description="Free", url="https://full.example.org/coaching",
                         hours=(("MO,TU,WE,TH,FR", "08:00", "16:30"), ("SA", "09:00", "12:00")))
    import_package(builder.write(tmp_path / "package"), store)

    result = directory_for(store).search(["workforce_center"], place("62704"))

    assert format_listing(result.listings[0]) == "\n".join([
        "Prairie Jobs Center — Career coaching (sample listing)",
        "1 Example Street, Springfield, IL 62701 · 2.8 miles",
        "217-555-0142 · Mon–Fri 8 am–4:30 pm; Sat 9 am–noon (open now)",
        "https://full.example.org/coaching",
        "Eligibility: Adults 18 and over · Fees: Free",
    ])


@pytest.mark.parametrize("moment, expected", [
    (datetime(2026, 11, 18, 15, 0, tzinfo=timezone.utc), True),    # Wed 9:00 CST
    (datetime(2026, 11, 18, 22, 29, tzinfo=timezone.utc), True),   # Wed 16:29 CST
    (datetime(2026, 11, 18, 22, 30, tzinfo=timezone.utc), False),  # Wed 16:30 CST: just closed
    (datetime(2026, 11, 18, 13, 59, tzinfo=timezone.utc), False),  # Wed 7:59 CST
    (datetime(2026, 11, 21, 17, 0, tzinfo=timezone.utc), False),   # Saturday 11:00 CST
    (datetime(2026, 7, 15, 13, 30, tzinfo=timezone.utc), True),    # Wed 8:30 CDT (summer time)
    (datetime(2026, 1, 14, 13, 30, tzinfo=timezone.utc), False),   # Wed 7:30 CST (winter)
])
def test_open_now_uses_the_locations_own_time_zone(tmp_path, store, moment, expected):
    builder = PackageBuilder()
    builder.organization("prairie", "Prairie Jobs Center", "62701", WORKFORCE)
    import_package(builder.write(tmp_path / "package"), store)

    listing = directory_for(store, clock=FixedClock(moment)).search(
        ["workforce_center"], place("62701")).listings[0]

    assert listing.open_now is expected
    assert listing.hours + (" (open now)" if expected else " (closed now)") in \
        format_listing(listing)


def test_directory_not_imported_yet_gives_the_nothing_found_help(tmp_path):
    directory = Directory(SQLiteStore(tmp_path / "none.db"), load_mapping(),
                          FixedClock(datetime(2026, 11, 18, 15, tzinfo=timezone.utc)))
    result = directory.search(["workforce_center"], place("62701"))
    assert result.total == 0 and "211.org" in format_results(result, OFFICE)
