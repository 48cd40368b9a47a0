"""The languages a service is offered in (HSDS 3.0 languages.csv): imported and checked like the
other tables on SQLite and PostgreSQL, listings where Spanish is spoken put first for Spanish
speakers (distance order kept within each group; English speakers' order unchanged), and marked
"Se habla español" / "Spanish spoken" in replies in either language."""
from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any, Dict, FrozenSet, List

import psycopg2
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from careerbot.directory.format import PHRASES, format_listing, format_results
from careerbot.directory.importer import ImportRefused, import_package
from careerbot.directory.languages import language_key
from careerbot.directory.search import Listing, OfferedLanguage
from careerbot.directory.store import SQLiteStore, open_store
from careerbot.places import Place
# Fixtures are imported by name so pytest finds them in this module.
from tests.support.directory import (OFFICE, SAMPLE, WORKFORCE, PackageBuilder,  # noqa: F401
                                     cli_database, csv_rows, directory_for, place, postgres_url,
                                     reported_problems, run_cli, sample_directory, store,
                                     store_factory)

# The sample's languages.csv, by the ids it names.
CAPITOL_COUNSELING = "Career counseling and interest assessments"  # service row, "es", a note
CHATHAM_JOB_CENTER = "Sample Chatham Job Center"                   # service row, "es"
BLUESTEM = "Sample Bluestem Adult Learning Center"                 # location row, "spa"
LITTLE_ACORNS = "Sample Little Acorns Childcare Assistance Office"  # service row, name only
BLUEBONNET = "Sample Bluebonnet Workforce Center"                  # phone row, "es", a note
MEADOWLARK = "Sample Meadowlark Community College"                 # location row, Vietnamese
PRAIRIE = "Sample Prairie Workforce Center"                        # service row, English


def spoken(builder: PackageBuilder, key: str, name=None, code=None, note=None,
           **where: str) -> None:
    """A languages.csv row: `where` is service_id, location_id and/or phone_id."""
    builder.rows["language"].append({"id": f"lang-{key}", "name": name, "code": code,
                                     "note": note, **where})


def names(result) -> List[str]:
    return [listing.organization for listing in result.listings]


def names_of(listings) -> List[str]:
    return [x.organization for x in listings]


def in_spanish(listings) -> List[str]:
    return [x.organization for x in listings if x.offered_in("es")]


# ---- naming a language --------------------------------------------------------------------------

@pytest.mark.parametrize("code, name, key", [
    ("es", None, "es"), ("spa", None, "es"), ("ES", "Spanish", "es"), ("es-MX", None, "es"),
    ("es_419", None, "es"), (None, "Spanish", "es"), (None, "Español", "es"),
    (None, "espanol", "es"), (None, "Spanish (Mexico)", "es"), (None, "Spanish; Castilian", "es"),
    ("en", "English", "en"), ("eng", None, "en"), ("vi", "Vietnamese", "vi"),
    (None, "Vietnamese", "vietnamese"), ("ssp", "Spanish Sign Language", "ssp"),
    (None, None, None),
])
def test_a_language_is_known_by_its_iso_639_code_or_its_name(code, name, key):
    assert language_key(code, name) == key


# ---- importing languages.csv --------------------------------------------------------------------

def test_the_sample_languages_load_completely(cli_database):
    status, out, err = run_cli("import", str(SAMPLE))

    assert status == 0, err
    assert re.search(r"^  languages\.csv\s+7 loaded\s+0 skipped$", out, re.MULTILINE)
    assert "6 of them are offered in Spanish (languages.csv), shown first to Spanish speakers." \
        in out
    store = open_store()
    try:
        assert store.counts()["languages"] == csv_rows(SAMPLE / "languages.csv") == 7
        directory = directory_for(store)
        everything = directory.search(["workforce_center", "career_center", "adult_education",
                                       "childcare_assistance", "community_college"],
                                      place("62704"), radius_miles=2000, limit=50).listings
    finally:
        store.close()
    # A service row, a location row (both services there), a name without a code, and the row
    # of the phone the listing shows (Austin); not Vietnamese, nor English.
    assert sorted(in_spanish(everything)) == sorted([
        "Sample Capitol Career Center", CHATHAM_JOB_CENTER, BLUESTEM, BLUESTEM, LITTLE_ACORNS,
        BLUEBONNET])
    by_service = {x.service: x for x in everything}
    assert by_service[CAPITOL_COUNSELING].offered_in("es") == OfferedLanguage(
        "es", "Bilingual counselors on Tuesdays and Thursdays.")
    assert by_service["Resume and interview workshops"].offered_in("es") is None  # same place
    meadowlark = next(x for x in everything if x.organization == MEADOWLARK)
    assert meadowlark.languages == (OfferedLanguage("vi"),)
    prairie = next(x for x in everything if x.organization == PRAIRIE)
    assert prairie.languages == (OfferedLanguage("en"),) and prairie.offered_in("es") is None


def test_the_sample_registers_languages_in_its_datapackage():
    import json
    descriptor = json.loads((SAMPLE / "datapackage.json").read_text(encoding="utf-8"))
    language, = [r for r in descriptor["resources"] if r["name"] == "language"]
    assert language["path"] == "languages.csv"
    assert [f["name"] for f in language["schema"]["fields"]] == [
        "id", "service_id", "location_id", "phone_id", "name", "code", "note"]


def test_each_way_hsds_links_a_language_to_a_listing(tmp_path, store):
    builder = PackageBuilder()
    builder.organization("service", "By Service", "62701", WORKFORCE)
    builder.organization("location", "By Location", "62702", WORKFORCE)
    builder.organization("phone", "By Phone", "62703", WORKFORCE)
    builder.organization("other-phone", "Other Phone", "62704", WORKFORCE)
    builder.organization("english", "English Only", "62707", WORKFORCE)
    builder.organization("vietnamese", "Vietnamese Only", "62711", WORKFORCE)
    # A second phone at the organisation "Other Phone" whose listing shows its first phone only
    # is still one of the listing's phones (the same level): Spanish is spoken on it.
    builder.rows["phone"].append({"id": "phone-other-phone-2", "organization_id":
                                  "org-other-phone", "number": "217-555-0143"})
    spoken(builder, "1", code="es-MX", note="Ask for Ana", service_id="svc-service")
    spoken(builder, "2", name="Español", location_id="loc-location")
    spoken(builder, "3", code="spa", name="Spanish", phone_id="phone-phone")
    spoken(builder, "4", code="es", phone_id="phone-other-phone-2")
    spoken(builder, "5", code="en", name="English", service_id="svc-english")
    spoken(builder, "6", code="vi", name="Vietnamese", location_id="loc-vietnamese")
    spoken(builder, "7", code="vi", note="Thursdays", service_id="svc-vietnamese")

    report = import_package(builder.write(tmp_path / "package"), store)

    assert report.problems == [] and report.in_language == {"es": 4}
    listings = directory_for(store).search(["workforce_center"], place("62701"), limit=10,
                                           language="es").listings
    assert sorted(in_spanish(listings)[:4]) == ["By Location", "By Phone", "By Service",
                                                "Other Phone"]
    assert set(names_of(listings)[4:]) == {"English Only", "Vietnamese Only"}
    by_name = {x.organization: x for x in listings}
    assert by_name["By Service"].offered_in("es").note == "Ask for Ana"
    assert by_name["Vietnamese Only"].languages == (OfferedLanguage("vi", "Thursdays"),)


def test_bad_language_rows_are_reported_and_everything_else_loads(tmp_path, cli_database):
    builder = PackageBuilder()
    builder.organization("good", "Good Jobs Center", "62701", WORKFORCE)
    builder.organization("also-good", "Also Good Center", "62702", WORKFORCE)
    builder.rows["phone"].append({"id": "phone-bad", "organization_id": "org-good",
                                  "number": "12-34"})
    spoken(builder, "good", code="es", service_id="svc-good")                      # line 2
    spoken(builder, "bad-code", code="Spanish", service_id="svc-good")             # line 3
    spoken(builder, "nowhere", code="es")                                          # line 4
    spoken(builder, "nameless", note="Some staff", location_id="loc-good")         # line 5
    spoken(builder, "orphan", code="es", service_id="svc-missing")                 # line 6
    spoken(builder, "bad-phone", code="es", phone_id="phone-bad")                  # line 7
    builder.rows["language"].append({"id": "lang-good", "code": "vi",              # line 8
                                     "location_id": "loc-good"})
    spoken(builder, "also-good", code="spa", location_id="loc-also-good")          # line 9
    package = builder.write(tmp_path / "package")

    status, out, err = run_cli("import", str(package))

    assert status == 1, err
    assert reported_problems(out) == {
        ("phones.csv", 4, "number", "'12-34' is not a 10-digit phone number with area code"),
        ("languages.csv", 3, "code", "'Spanish' is not an ISO 639 language code (such as es or "
         "spa); the language's name goes in the name column"),
        ("languages.csv", 4, "service_id", "the language is spoken at no service, location or "
         "phone: give service_id, location_id or phone_id"),
        ("languages.csv", 5, "name",
         "names no language: give its name or its ISO 639 code (or both)"),
        ("languages.csv", 6, "service_id", "'svc-missing' is not an id in services.csv"),
        ("languages.csv", 7, "phone_id", "'phone-bad' refers to a row skipped in phones.csv"),
        ("languages.csv", 8, "id", "duplicate id 'lang-good' (first on line 2)"),
    }
    assert re.search(r"^  languages\.csv\s+2 loaded\s+6 skipped$", out, re.MULTILINE)
    assert re.search(r"^  services\.csv\s+2 loaded\s+0 skipped$", out, re.MULTILINE)
    assert "7 rows were skipped" in out
    store = open_store()
    try:
        assert store.counts()["languages"] == 2 and store.counts()["listings"] == 2
        result = directory_for(store).search(["workforce_center"], place("62701"),
                                             language="es")
    finally:
        store.close()
    assert in_spanish(result.listings) == ["Good Jobs Center", "Also Good Center"]


def test_a_refused_import_keeps_the_languages_the_office_has(tmp_path, store_factory):
    store = store_factory()
    import_package(SAMPLE, store)
    tiny = PackageBuilder()
    tiny.organization("only", "Only Center", "62701", WORKFORCE)
    spoken(tiny, "only", code="es", service_id="svc-only")

    with pytest.raises(ImportRefused):
        import_package(tiny.write(tmp_path / "tiny"), store)

    reader = store_factory()  # as if the running bot
    assert reader.counts()["languages"] == 7
    first = directory_for(reader).search(["career_center"], place("62704"), language="es")
    assert first.listings[0].service == CAPITOL_COUNSELING
    assert first.listings[0].offered_in("es")


# ---- the order of the results -------------------------------------------------------------------

def springfield_with_spanish(directory: Path) -> Path:
    """Workforce offices around Springfield, IL; Spanish is spoken at two of those within 25
    miles of 62701 (not the nearest) and at one beyond (Jacksonville, 33 miles)."""
    builder = PackageBuilder()
    for key, name, zip_code in (("a", "Alpha Jobs", "62701"), ("b", "Bravo Jobs", "62702"),
                                ("c", "Charlie Jobs", "62704"), ("d", "Delta Jobs", "62629"),
                                ("e", "Echo Jobs", "62563"), ("f", "Foxtrot Jobs", "62711"),
                                ("far", "Far Jobs", "62650")):
        builder.organization(key, name, zip_code, WORKFORCE)
    spoken(builder, "c", code="es", service_id="svc-c")
    spoken(builder, "e", name="Spanish", location_id="loc-e")
    spoken(builder, "far", code="es", service_id="svc-far")
    spoken(builder, "f", code="vi", service_id="svc-f")
    return builder.write(directory)


@pytest.fixture
def spanish_springfield(tmp_path, store):
    assert import_package(springfield_with_spanish(tmp_path / "package"), store).problems == []
    return directory_for(store)


def test_spanish_speakers_get_listings_where_spanish_is_spoken_first(spanish_springfield):
    english = spanish_springfield.search(["workforce_center"], place("62701"), limit=10)
    spanish = spanish_springfield.search(["workforce_center"], place("62701"), limit=10,
                                         language="es")

    by_distance = names(english)
    # Far Jobs, where Spanish is spoken too, is beyond the 25 miles searched: not brought in.
    assert len(by_distance) == 6 and "Far Jobs" not in by_distance + names(spanish)
    # Each group in distance order: the Spanish-speaking ones, then the others.
    assert names(spanish) == [n for n in by_distance if n in ("Charlie Jobs", "Echo Jobs")] + \
        [n for n in by_distance if n not in ("Charlie Jobs", "Echo Jobs")]
    assert names(spanish)[:2] != by_distance[:2]
    assert (spanish.total, spanish.in_preferred_language, spanish.preferred_first) == (6, 2, True)
    distances = [x.distance_miles for x in spanish.listings]
    assert distances[:2] == sorted(distances[:2]) and distances[2:] == sorted(distances[2:])


def test_show_more_pages_through_the_same_order(spanish_springfield):
    everything = names(spanish_springfield.search(["workforce_center"], place("62701"),
                                                  limit=10, language="es"))
    pages, offset = [], 0
    while True:
        page = spanish_springfield.search(["workforce_center"], place("62701"), limit=2,
                                          offset=offset, language="es")
        if not page.listings:
            break
        assert page.total == 6 and page.in_preferred_language == 2
        pages += names(page)
        offset = page.next_offset
    assert pages == everything
    past_the_end = spanish_springfield.search(["workforce_center"], place("62701"), offset=9,
                                              language="es")
    assert (past_the_end.total, past_the_end.in_preferred_language) == (6, 2)


def test_english_speakers_order_is_unchanged(spanish_springfield):
    default = spanish_springfield.search(["workforce_center"], place("62701"), limit=10)
    english = spanish_springfield.search(["workforce_center"], place("62701"), limit=10,
                                         language="en")

    assert names(english) == names(default)
    distances = [x.distance_miles for x in english.listings]
    assert distances == sorted(distances)
    assert english.preferred_language is None and not english.preferred_first
    # The marks are there all the same, for English-speaking staff and family.
    assert in_spanish(english.listings) == [n for n in names(english)
                                            if n in ("Charlie Jobs", "Echo Jobs")]


class NearbyFinder:
    """A live provider with one centre right next to 62701 (it says nothing of languages)."""

    source = "Test Finder"
    resource_types: FrozenSet[str] = frozenset({"workforce_center"})

    def find(self, place: Place, radius_miles: float, limit: int) -> List[Listing]:
        return [Listing(id="finder:1", organization="Finder Center", service="American Job Center",
                        address=None, latitude=39.8, longitude=-89.65, distance_miles=0.05,
                        source=self.source)]


def test_a_live_providers_results_follow_the_spanish_speaking_ones(tmp_path, store):
    import_package(springfield_with_spanish(tmp_path / "package"), store)
    directory = directory_for(store, live_provider=NearbyFinder())

    english = directory.search(["workforce_center"], place("62701"), limit=10)
    spanish = directory.search(["workforce_center"], place("62701"), limit=10, language="es")

    assert names(english)[:2] == ["Alpha Jobs", "Finder Center"]  # Alpha is at 0.0 miles
    assert names(spanish)[:4] == ["Charlie Jobs", "Echo Jobs", "Alpha Jobs", "Finder Center"]
    assert spanish.total == 7 and spanish.in_preferred_language == 2


# ---- the marks ----------------------------------------------------------------------------------

def listing(**fields: Any) -> Listing:
    defaults: Dict[str, Any] = dict(
        id="sal-1", organization="Plaza Jobs", service="Job search help",
        address="1 Example Street, Springfield, IL 62701", latitude=39.8, longitude=-89.65,
        distance_miles=1.24, phone="217-555-0142", fees="Free")
    return Listing(**{**defaults, **fields})


def test_the_marks_are_in_format_phrases_in_both_languages():
    assert PHRASES["en"]["spanish_spoken"] == "Spanish spoken"
    assert PHRASES["es"]["spanish_spoken"] == "Se habla español"


def test_a_listing_where_spanish_is_spoken_is_marked_in_each_language():
    plaza = listing(languages=(OfferedLanguage("vi"), OfferedLanguage("es")))

    assert format_listing(plaza, "es").splitlines() == [
        "Plaza Jobs — Job search help",
        "Se habla español",
        "1 Example Street, Springfield, IL 62701 · 1.2 millas",
        "217-555-0142",
        "Costo: Free",
    ]
    assert format_listing(plaza).splitlines() == [
        "Plaza Jobs — Job search help",
        "Spanish spoken",
        "1 Example Street, Springfield, IL 62701 · 1.2 miles",
        "217-555-0142",
        "Fees: Free",
    ]


def test_the_directorys_note_is_shown_as_written():
    plaza = listing(languages=(OfferedLanguage("es", "Bilingual staff on Tuesdays"),))
    assert format_listing(plaza, "es").splitlines()[1] == \
        "Se habla español: Bilingual staff on Tuesdays"
    assert format_listing(plaza, "en").splitlines()[1] == \
        "Spanish spoken: Bilingual staff on Tuesdays"


@pytest.mark.parametrize("languages", [(), (OfferedLanguage("vi"),), (OfferedLanguage("en"),)])
def test_other_listings_carry_no_mark(languages):
    for language in ("en", "es"):
        text = format_listing(listing(languages=languages), language)
        assert "Spanish" not in text and "español" not in text


def test_the_heading_says_when_spanish_speaking_places_come_first(spanish_springfield):
    spanish = spanish_springfield.search(["workforce_center"], place("62701"), language="es")
    english = spanish_springfield.search(["workforce_center"], place("62701"))

    assert format_results(spanish, OFFICE, "es").split("\n\n")[0] == (
        "Centros de empleo (American Job Centers) cerca de Springfield, IL 62701, a menos de 25 "
        "millas, primero los lugares donde se habla español y después los demás, empezando por "
        "los más cercanos (1–3 de 6):")
    assert format_results(english, OFFICE, "en").split("\n\n")[0] == (
        "Workforce centers (American Job Centers) near Springfield, IL 62701, within 25 miles, "
        "nearest first (1–3 of 6):")
    assert format_results(spanish, OFFICE, "en").split("\n\n")[0] == (
        "Workforce centers (American Job Centers) near Springfield, IL 62701, within 25 miles, "
        "places where Spanish is spoken first, then the others, each nearest first (1–3 of 6):")


# ---- the sample directory, and the referral action ---------------------------------------------

def test_the_sample_shows_spanish_speakers_its_spanish_speaking_places_first(sample):
    spanish = sample.search(["workforce_center", "career_center"], place("62704"), language="es")
    english = sample.search(["workforce_center", "career_center"], place("62704"))

    assert [x.service for x in english.listings][:2] == ["Job search and career coaching",
                                                         CAPITOL_COUNSELING]
    assert [x.name for x in spanish.listings][:2] == [
        f"Sample Capitol Career Center — {CAPITOL_COUNSELING}",
        f"{CHATHAM_JOB_CENTER} — Job search help and resume review"]
    blocks = format_results(spanish, OFFICE, "es").split("\n\n")
    assert blocks[1].splitlines()[:3] == [
        f"Sample Capitol Career Center — {CAPITOL_COUNSELING} (ejemplo de prueba)",
        "Se habla español: Bilingual counselors on Tuesdays and Thursdays.",
        "250 Example Avenue, Springfield, IL 62702 · 4.7 millas"]
    assert blocks[2].splitlines()[:2] == [
        f"{CHATHAM_JOB_CENTER} — Job search help and resume review (ejemplo de prueba)",
        "Se habla español"]
    assert "Se habla español" not in blocks[3]


@pytest.mark.parametrize("resource_type, zip_code", [
    ("childcare_assistance", "62704"),   # the only one nearby speaks Spanish
    ("library", "62704"),                # none does
])
def test_all_or_none_in_spanish_keeps_the_plain_heading(sample, resource_type, zip_code):
    result = sample.search([resource_type], place(zip_code), language="es")
    assert not result.preferred_first
    assert "empezando por los más cercanos (" in format_results(result, OFFICE, "es")
    assert "primero los lugares" not in format_results(result, OFFICE, "es")


def tracker(slots: Dict[str, Any]) -> Tracker:
    message = {"intent": {"name": "inform", "confidence": 0.9}, "entities": [], "text": "62704"}
    return Tracker("person-1", slots, message, [], False, None, {}, "action_listen")


@pytest.mark.parametrize("language, first, mark", [
    ("es", f"Sample Capitol Career Center — {CAPITOL_COUNSELING} (ejemplo de prueba)",
     "Se habla español: Bilingual counselors on Tuesdays and Thursdays."),
    ("en", f"{PRAIRIE} — Job search and career coaching (sample listing)",
     "Spanish spoken: Bilingual counselors on Tuesdays and Thursdays."),
])
def test_the_referral_search_passes_the_conversations_language(sample, monkeypatch, language,
                                                               first, mark):
    from actions import referrals
    monkeypatch.setattr(referrals, "directory", lambda: sample)
    dispatcher = CollectingDispatcher()
    slots = {"referral_barriers": ["experience"], "resource_type": "workforce_center",
             "location": "Springfield, IL 62704", "referrals_shown": [], "language": language}

    events = asyncio.run(referrals.ActionSearchReferrals().run(dispatcher, tracker(slots), {}))

    reply, = dispatcher.messages
    blocks = reply["text"].split("\n\n")
    assert blocks[1].splitlines()[0] == first
    assert mark in reply["text"]
    shown = next(e["value"] for e in events if e["name"] == "referrals_shown")
    assert shown[0]["name"] == first.rsplit(" (", 1)[0]


# ---- a directory imported before languages.csv was read -----------------------------------------

def strip_languages(store) -> None:
    """Make the store's directory look like one an earlier version imported: no languages
    table, no language columns in the read model."""
    if isinstance(store, SQLiteStore):
        connection = sqlite3.connect(store.path)
        connection.executescript(
            "DROP INDEX listing_terms_by_place; ALTER TABLE listing_terms DROP COLUMN spoken; "
            "CREATE INDEX listing_terms_by_place ON listing_terms (term, latitude, longitude, "
            "ux, uy, uz, listing_id); ALTER TABLE listings DROP COLUMN languages; "
            "DROP TABLE languages;")
        connection.close()
        return
    with psycopg2.connect(store.url) as connection, connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {store.schema}.listing_terms DROP COLUMN spoken; "
                       f"ALTER TABLE {store.schema}.listings DROP COLUMN languages; "
                       f"DROP TABLE {store.schema}.languages")
    connection.close()


def test_a_directory_imported_before_languages_still_answers_and_imports_over(
        tmp_path, store_factory, caplog):
    importer, reader = store_factory(), store_factory()
    package = springfield_with_spanish(tmp_path / "package")
    import_package(package, importer)
    strip_languages(importer)
    directory = directory_for(reader)

    spanish = directory.search(["workforce_center"], place("62701"), limit=10, language="es")
    english = directory.search(["workforce_center"], place("62701"), limit=10)

    assert names(spanish) == names(english) and len(names(english)) == 6  # distance order
    assert in_spanish(spanish.listings) == [] and not spanish.preferred_first
    assert [x.organization for x in directory.listings_by_id([spanish.listings[0].id])] == \
        [names(english)[0]]
    assert "import it again" in caplog.text
    # The next import replaces it (PostgreSQL locks only the tables it has) and all is back.
    import_package(package, importer)
    spanish = directory.search(["workforce_center"], place("62701"), limit=10, language="es")
    assert names(spanish)[:2] == ["Charlie Jobs", "Echo Jobs"]
    assert reader.counts()["languages"] == 4


def test_the_search_command_shows_what_a_spanish_speaker_would_see(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREERBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CAREERONESTOP_USER_ID", raising=False)
    assert run_cli("import", str(SAMPLE))[0] == 0

    status, out, err = run_cli("search", "--near", "62704", "--barrier", "experience",
                               "--language", "es")

    assert status == 0, err
    blocks = out.split("\n\n")
    assert "primero los lugares donde se habla español" in blocks[0]
    assert blocks[1].splitlines()[1] == \
        "Se habla español: Bilingual counselors on Tuesdays and Thursdays."
