"""Follow-up questions about listings already shown ("r they open saturdy", "whats the number for
the college"), read from phone typing and answered from the sample directory's own fields: the
hours in schedules.csv, the eligibility and fees in services.csv, the numbers in phones.csv."""
from __future__ import annotations

import csv
from datetime import datetime, timezone

import pytest

from careerbot.directory.geo import haversine_miles
from careerbot.directory.importer import import_package
from careerbot.directory.search import Listing
from careerbot.listing_questions import (DETAILS, NOT_IN_DIRECTORY, ListingQuestion, answer,
                                         read_question)
# Fixtures are imported by name so pytest finds them in this module.
from tests.support.directory import (SAMPLE, WEDNESDAY_MORNING_IN_ILLINOIS,  # noqa: F401
                                     WORKFORCE, PackageBuilder, directory_for, place,
                                     postgres_url, sample_directory, store, store_factory)

# Services of the sample directory, by name.
PRAIRIE = "Job search and career coaching"                 # Mon–Fri 8–4:30, 217-555-0101
MEADOWLARK = "Workforce certificate programs"              # Mon–Fri 8–5, 217-555-0103
CAPITOL = "Career counseling and interest assessments"     # Mon–Thu 9–6, Fri 9–1; no eligibility
WORKSHOPS = "Resume and interview workshops"               # Wed 5:30–7:30 pm
ESL = "English classes for adults (ESL)"                   # Tue, Thu 6–8 pm; Sat 10–noon
OPEN_DOOR = "Job readiness and mentoring"                  # Tue, Thu 10–7; Sat 9–noon
LIBRARY = "Job help desk and computer access"              # Mon–Thu 9–8; Fri, Sat 9–5
JOB_CLUB = "Job seekers networking meeting"                # 1st and 3rd Wed of the month, 6–8 pm

SATURDAY_LATE_MORNING = datetime(2026, 11, 21, 17, 0, tzinfo=timezone.utc)  # 11:00 CST
# 03:00 UTC on Thursday is still Wednesday evening (21:00) in Springfield, IL.
WEDNESDAY_NIGHT_IN_ILLINOIS = datetime(2026, 11, 19, 3, 0, tzinfo=timezone.utc)


def csv_rows(file: str) -> list:
    with open(SAMPLE / file, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def listing_id(service_name: str) -> str:
    """The sample's service_at_location id (Listing.id) of a service, found by its name."""
    service = next(s["id"] for s in csv_rows("services.csv") if s["name"] == service_name)
    return next(r["id"] for r in csv_rows("service_at_location.csv")
                if r["service_id"] == service)


def shown(sample, *service_names: str, near: str = "62704") -> list:
    return sample.listings_by_id([listing_id(n) for n in service_names], place(near))


@pytest.fixture(scope="module")
def springfield_page(sample) -> list:
    """The first page a visitor at 62704 sees for career help: nearest first."""
    result = sample.search(["workforce_center", "career_center", "community_college"],
                           place("62704"))
    return list(result.listings)


def lines_of(text: str) -> list:
    return text.splitlines()


# ---- listings by id -----------------------------------------------------------------------------

def test_listings_by_id_come_back_in_the_order_asked_without_ids_the_directory_lacks(store):
    import_package(SAMPLE, store)
    directory = directory_for(store)
    ids = [listing_id(CAPITOL), "careeronestop:1234", listing_id(PRAIRIE), "gone-since-reimport"]

    found = directory.listings_by_id(ids)

    assert [x.service for x in found] == [CAPITOL, PRAIRIE]
    assert [x.phone for x in found] == ["217-555-0102", "217-555-0101"]
    assert [x.hours for x in found] == ["Mon–Thu 9 am–6 pm; Fri 9 am–1 pm",
                                        "Mon–Fri 8 am–4:30 pm"]
    assert all(x.distance_miles is None and x.is_sample for x in found)
    assert directory.listings_by_id([]) == []


def test_listings_by_id_measure_from_the_place_when_given(store):
    import_package(SAMPLE, store)
    here = place("62704")

    prairie, = directory_for(store).listings_by_id([listing_id(PRAIRIE)], here)

    assert prairie.distance_miles == pytest.approx(
        haversine_miles(here.latitude, here.longitude, 39.8, -89.6495))
    assert f"{prairie.distance_miles:.1f}" == "2.8"


def test_listings_by_id_are_the_listings_the_search_showed(sample, springfield_page):
    again = sample.listings_by_id([x.referral()["id"] for x in springfield_page], place("62704"))

    def seen(listing):
        return (listing.name, listing.address, listing.phone, listing.hours, listing.open_now,
                listing.fees, listing.eligibility, round(listing.distance_miles, 6))
    assert [seen(x) for x in again] == [seen(x) for x in springfield_page]


def test_how_to_apply_comes_from_the_services_application_process(tmp_path, store):
    builder = PackageBuilder()
    builder.organization("walkin", "Walk-in Jobs", "62701", WORKFORCE,
                         application_process="Walk in with a photo ID, no appointment needed")
    builder.organization("quiet", "Quiet Jobs", "62702", WORKFORCE)
    import_package(builder.write(tmp_path / "package"), store)
    directory = directory_for(store)

    walk_in, quiet = directory.listings_by_id(["sal-walkin", "sal-quiet"])
    searched = directory.search(["workforce_center"], place("62701")).listings

    assert walk_in.how_to_apply == "Walk in with a photo ID, no appointment needed"
    assert quiet.how_to_apply is None
    assert searched[0].how_to_apply == walk_in.how_to_apply  # the search carries it too
    reply = answer(read_question("how do i apply", []), [walk_in, quiet],
                   WEDNESDAY_MORNING_IN_ILLINOIS)
    assert lines_of(reply) == [
        "Walk-in Jobs — Main service: How to apply: Walk in with a photo ID, no appointment "
        "needed.",
        "Quiet Jobs — Main service: The directory doesn't list how to apply; call them at "
        "217-555-0142 or check https://quiet.example.org to ask.",
    ]


# ---- reading questions --------------------------------------------------------------------------

@pytest.mark.parametrize("text, details, days, days_ahead, which", [
    # a day's hours
    ("are they open on saturday", ("hours_day",), (5,), None, None),
    ("r they open saturdy", ("hours_day",), (5,), None, None),
    ("open sat?", ("hours_day",), (5,), None, None),
    ("what about sunday", ("hours_day",), (6,), None, None),
    ("any open this weekend", ("hours_day",), (5, 6), None, None),
    ("wknd hours?", ("hours_day",), (5, 6), None, None),
    ("is it open wensday", ("hours_day",), (2,), None, None),
    ("thrusday hours", ("hours_day",), (3,), None, None),
    ("r they open 2day", ("hours_day",), (), 0, None),
    ("open tmrw?", ("hours_day",), (), 1, None),
    ("is the job center open on sundays", ("hours_day",), (6,), None, 0),
    # open now, or hours in general
    ("is it open now", ("open_now",), (), None, None),
    ("r they open rn", ("open_now",), (), None, None),
    ("are they open", ("open_now",), (), None, None),
    ("what are the hrs", ("open_now",), (), None, None),
    ("when do they close", ("open_now",), (), None, None),
    ("is the first one open now", ("open_now",), (), None, 0),
    # evenings
    ("any open in the evening", ("evening",), (), None, None),
    ("do any stay open late", ("evening",), (), None, None),
    ("can i go after work", ("evening",), (), None, None),
    ("open after 5?", ("evening",), (), None, None),
    ("do they have evening classes", ("evening",), (), None, None),
    ("tonight?", ("hours_day", "evening"), (), 0, None),
    # who can go
    ("do i qualify", ("eligibility",), (), None, None),
    ("who can go there", ("eligibility",), (), None, None),
    ("am i eligable", ("eligibility",), (), None, None),
    ("is there an age limit", ("eligibility",), (), None, None),
    ("is it open to everyone", ("eligibility",), (), None, None),
    # cost
    ("how much does it cost", ("cost",), (), None, None),
    ("hw much", ("cost",), (), None, None),
    ("is it free", ("cost",), (), None, None),
    ("r there any fees", ("cost",), (), None, None),
    ("how much is meadowlark", ("cost",), (), None, 1),
    ("is it free the first time", ("cost",), (), None, None),
    # applying
    ("how do i apply", ("apply",), (), None, None),
    ("how do i sign up", ("apply",), (), None, None),
    ("can i enroll", ("apply",), (), None, None),
    ("do i need to register", ("apply",), (), None, None),
    # distance
    ("which one is closest", ("closest",), (), None, None),
    ("which is nearest", ("closest",), (), None, None),
    ("how far is it", ("closest",), (), None, None),
    ("how far is the capitol one", ("closest",), (), None, 2),
    # contacts and places
    ("wats the number", ("phone",), (), None, None),
    ("whats the phone number for the college", ("phone",), (), None, 1),
    ("can i call them", ("phone",), (), None, None),
    ("phone # for number 3", ("phone",), (), None, 2),
    ("address of the second one", ("address",), (), None, 1),
    ("where is it", ("address",), (), None, None),
    ("whats their adress", ("address",), (), None, None),
    ("wheres the capitol one", ("address",), (), None, 2),
    ("whats the website for the last one", ("website",), (), None, 2),
    # several at once
    ("what time do they open on saturday and is it free", ("hours_day", "cost"), (5,), None,
     None),
    ("how much is it n do i qualify", ("eligibility", "cost"), (), None, None),
])
def test_phone_typed_questions_are_read(springfield_page, text, details, days, days_ahead,
                                        which):
    names = [x.name for x in springfield_page]
    assert read_question(text, names) == ListingQuestion(details, days, days_ahead, which)


@pytest.mark.parametrize("text", [
    "what is a career", "i have no car", "thanks", "ok thank you", "yes", "no",
    "how do i apply for a job", "how much does a nurse make", "what jobs pay the most",
    "good evening", "see you monday", "i lost my job on friday", "im free this weekend",
    "thanks for today", "i work nights", "i want to be an electrician",
    "can you help me with my resume", "what should i do next",
])
def test_what_is_not_a_question_about_the_listings_is_left_alone(springfield_page, text):
    assert read_question(text, [x.name for x in springfield_page]) is None


def test_every_detail_kind_is_one_of_DETAILS(springfield_page):
    names = [x.name for x in springfield_page]
    asked = read_question("open sat or tonight, is it free, do i qualify, how do i apply, "
                          "which is closest, phone, address and website, open now?", names)
    assert set(asked.details) == set(DETAILS)
    assert asked.details == DETAILS  # always in DETAILS order


def test_a_name_word_shared_by_several_listings_singles_none_out(springfield_page):
    names = [x.name for x in springfield_page]
    # "career" is in two names, "sample" in all: the question is about every listing.
    assert read_question("whats the number for the career one", names).which is None
    assert read_question("whats the number for the sample one", names).which is None
    # "open" asks about hours; it does not single out a listing named "Open Door".
    assert read_question("are they open", ["Sample Open Door Job Network",
                                           "Sample Prairie Public Library"]).which is None


# ---- answers ------------------------------------------------------------------------------------

def test_saturday_opening_is_read_from_the_schedules(sample):
    listings = shown(sample, PRAIRIE, ESL, OPEN_DOOR, LIBRARY)

    reply = answer(read_question("r they open saturdy", [x.name for x in listings]), listings,
                   WEDNESDAY_MORNING_IN_ILLINOIS)

    assert lines_of(reply) == [
        "Sample Prairie Workforce Center — Job search and career coaching (sample listing): "
        "Closed on Saturday. Hours: Mon–Fri 8 am–4:30 pm.",
        "Sample Bluestem Adult Learning Center — English classes for adults (ESL) "
        "(sample listing): Open on Saturday, 10 am–noon.",
        "Sample Open Door Job Network — Job readiness and mentoring (sample listing): "
        "Open on Saturday, 9 am–noon.",
        "Sample Prairie Public Library — Job help desk and computer access (sample listing): "
        "Open on Saturday, 9 am–5 pm.",
    ]


def test_weekend_names_both_days(sample):
    library, = shown(sample, LIBRARY)
    reply = answer(read_question("any open this weekend", [library.name]), [library],
                   WEDNESDAY_MORNING_IN_ILLINOIS)
    assert reply.endswith("Open on Saturday, 9 am–5 pm. Closed on Sunday. "
                          "Hours: Mon–Thu 9 am–8 pm; Fri, Sat 9 am–5 pm.")


def test_open_now_is_worked_out_at_the_moment_asked(sample):
    listings = shown(sample, PRAIRIE, ESL)
    question = read_question("r they open rn", [x.name for x in listings])

    wednesday = answer(question, listings, WEDNESDAY_MORNING_IN_ILLINOIS)
    saturday = answer(question, listings, SATURDAY_LATE_MORNING)

    assert [line.split(": ", 1)[1] for line in lines_of(wednesday)] == [
        "Open now. Hours: Mon–Fri 8 am–4:30 pm.",
        "Closed now. Hours: Tue, Thu 6 pm–8 pm; Sat 10 am–noon."]
    assert [line.split(": ", 1)[1] for line in lines_of(saturday)] == [
        "Closed now. Hours: Mon–Fri 8 am–4:30 pm.",
        "Open now. Hours: Tue, Thu 6 pm–8 pm; Sat 10 am–noon."]


def test_today_is_the_listings_own_day(sample):
    workshops, = shown(sample, WORKSHOPS)
    question = read_question("r they open 2day", [workshops.name])
    # Thursday 03:00 UTC: Wednesday evening in Springfield, when the workshop meets.
    assert answer(question, [workshops], WEDNESDAY_NIGHT_IN_ILLINOIS).endswith(
        "Open today (Wednesday), 5:30 pm–7:30 pm.")


def test_a_monthly_meeting_is_open_only_on_its_wednesdays(sample):
    club, = shown(sample, JOB_CLUB)
    question = read_question("is it open on wednesday", [club.name])

    third_wednesday = answer(question, [club], datetime(2026, 11, 18, 15, tzinfo=timezone.utc))
    second_wednesday = answer(question, [club], datetime(2026, 11, 11, 15, tzinfo=timezone.utc))

    assert third_wednesday.endswith("Open on Wednesday, 6 pm–8 pm.")
    assert second_wednesday.endswith(
        "Closed on Wednesday. Hours: 1st Wed and 3rd Wed of every month 6 pm–8 pm.")


def test_evening_hours_are_those_after_5_pm(sample):
    listings = shown(sample, PRAIRIE, WORKSHOPS, JOB_CLUB, MEADOWLARK)

    reply = answer(read_question("any open after work", [x.name for x in listings]), listings,
                   WEDNESDAY_MORNING_IN_ILLINOIS)

    assert [line.split(": ", 1)[1] for line in lines_of(reply)] == [
        "Not open in the evening. Hours: Mon–Fri 8 am–4:30 pm.",
        "Open in the evening: Wed 5:30 pm–7:30 pm.",
        "Open in the evening: 1st Wed and 3rd Wed of every month 6 pm–8 pm.",
        "Not open in the evening. Hours: Mon–Fri 8 am–5 pm.",  # closes at 5 sharp
    ]


def test_tonight_is_this_evening_in_the_listings_time_zone(sample):
    listings = shown(sample, WORKSHOPS, ESL)
    reply = answer(read_question("anything open tonight", [x.name for x in listings]), listings,
                   WEDNESDAY_NIGHT_IN_ILLINOIS)
    assert [line.split(": ", 1)[1] for line in lines_of(reply)] == [
        "Open this evening (Wednesday), 5:30 pm–7:30 pm.",
        "Closed this evening (Wednesday). Hours: Tue, Thu 6 pm–8 pm; Sat 10 am–noon.",
    ]


def test_eligibility_is_quoted_and_a_missing_one_is_said_honestly(springfield_page):
    names = [x.name for x in springfield_page]

    reply = answer(read_question("do i qualify", names), springfield_page,
                   WEDNESDAY_MORNING_IN_ILLINOIS)

    assert [line.split(": ", 1)[1] for line in lines_of(reply)] == [
        "Eligibility: Open to all job seekers 18 and over.",
        "Eligibility: High school diploma or GED, or enrolled in a bridge program.",
        # Capitol's career counseling has no eligibility_description in services.csv.
        "The directory doesn't list who can use it; call them at 217-555-0102 or check "
        "https://capitol-career.example.org/services/1 to ask.",
    ]


def test_fees_are_the_directorys_own_words(sample):
    listings = shown(sample, PRAIRIE, MEADOWLARK, WORKSHOPS)
    reply = answer(read_question("is it free", [x.name for x in listings]), listings,
                   WEDNESDAY_MORNING_IN_ILLINOIS)
    assert [line.split(": ", 1)[1] for line in lines_of(reply)] == [
        "Fees: Free.",
        "Fees: Tuition varies by program; financial aid available.",
        "Fees: Free; registration required.",
    ]


def test_the_college_s_phone_number_and_no_other(springfield_page):
    names = [x.name for x in springfield_page]

    reply = answer(read_question("whats the phone number for the college", names),
                   springfield_page, WEDNESDAY_MORNING_IN_ILLINOIS)

    assert reply == ("Sample Meadowlark Community College — Workforce certificate programs "
                     "(sample listing): Phone: 217-555-0103.")


def test_the_address_of_the_second_one(springfield_page):
    names = [x.name for x in springfield_page]
    reply = answer(read_question("address of the second one", names), springfield_page,
                   WEDNESDAY_MORNING_IN_ILLINOIS)
    assert reply.endswith("Address: 1 Demo College Drive, Springfield, IL 62703.")


def test_several_details_in_one_question_each_get_an_answer(springfield_page):
    names = [x.name for x in springfield_page]
    reply = answer(read_question("what time do they open on saturday and is it free", names),
                   springfield_page, WEDNESDAY_MORNING_IN_ILLINOIS)
    assert lines_of(reply)[1] == (
        "Sample Meadowlark Community College — Workforce certificate programs (sample listing): "
        "Closed on Saturday. Hours: Mon–Fri 8 am–5 pm. "
        "Fees: Tuition varies by program; financial aid available.")


def test_the_closest_is_named_with_real_distances(springfield_page):
    names = [x.name for x in springfield_page]
    reply = answer(read_question("which one is closest", names), springfield_page,
                   WEDNESDAY_MORNING_IN_ILLINOIS)
    assert reply == (
        "The closest is Sample Prairie Workforce Center — Job search and career coaching "
        "(sample listing), 2.8 miles away; then Sample Meadowlark Community College — Workforce "
        "certificate programs (sample listing) (3.3 miles), Sample Capitol Career Center — "
        "Career counseling and interest assessments (sample listing) (4.7 miles).")


def test_without_a_place_distances_are_not_guessed(sample):
    listings = sample.listings_by_id([listing_id(PRAIRIE), listing_id(CAPITOL)])
    reply = answer(read_question("which is nearest", [x.name for x in listings]), listings,
                   WEDNESDAY_MORNING_IN_ILLINOIS)
    assert lines_of(reply) == [
        "I can't tell how far they are from you without knowing where you are.",
        "Sample Prairie Workforce Center — Job search and career coaching (sample listing): "
        "Address: 101 Sample Way, Springfield, IL 62701.",
        "Sample Capitol Career Center — Career counseling and interest assessments "
        "(sample listing): Address: 250 Example Avenue, Springfield, IL 62702.",
    ]


def test_sample_listings_keep_their_label_in_every_answer(springfield_page):
    names = [x.name for x in springfield_page]
    reply = answer(read_question("wats the number", names), springfield_page,
                   WEDNESDAY_MORNING_IN_ILLINOIS)
    assert len(lines_of(reply)) == 3
    assert all(line.split(": ", 1)[0].endswith("(sample listing)") for line in lines_of(reply))


def test_a_live_providers_hours_are_quoted_not_guessed():
    center = Listing(id="careeronestop:42", organization="Capital Area AJC",
                     service="American Job Center", address="1 Main St, Springfield, IL 62701",
                     latitude=39.8, longitude=-89.65, distance_miles=1.5, phone=None,
                     website=None, hours="Mon-Fri 8:00 AM - 5:00 PM", source="CareerOneStop")

    reply = answer(read_question("r they open sat and is it free", [center.name]), [center],
                   WEDNESDAY_MORNING_IN_ILLINOIS)

    assert reply == (
        "Capital Area AJC — American Job Center (from CareerOneStop): I can't tell whether it's "
        "open on Saturday; its hours are listed as: Mon-Fri 8:00 AM - 5:00 PM. The directory "
        "doesn't list its fees; ask a counselor.")


def test_a_listing_without_hours_or_contacts_sends_the_visitor_to_a_counselor():
    bare = Listing(id="x", organization="Bare Office", service="Bare Office", address=None,
                   latitude=39.8, longitude=-89.65, distance_miles=None)
    reply = answer(read_question("r they open now, whats the number and address", [bare.name]),
                   [bare], WEDNESDAY_MORNING_IN_ILLINOIS)
    assert reply == ("Bare Office: The directory doesn't list its hours, a phone number or an "
                     "address; ask a counselor.")


def test_a_listing_the_directory_no_longer_has_is_not_made_up(springfield_page):
    names = [x.name for x in springfield_page]
    question = read_question("whats the number for the last one", names)
    # The third listing shown came from a live provider, so the directory returned two.
    assert answer(question, springfield_page[:2], WEDNESDAY_MORNING_IN_ILLINOIS) == \
        NOT_IN_DIRECTORY
    assert answer(question, [], WEDNESDAY_MORNING_IN_ILLINOIS) == NOT_IN_DIRECTORY
