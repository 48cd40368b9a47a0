"""The plain-Python package: content structure, contact validation, safety net, office, places."""
from __future__ import annotations

import os
import stat

import pytest

from careerbot import content
from careerbot.contact import clean_name, parse_contact_detail
from careerbot.entity_lexicon import normalise_text
from careerbot.office import OfficeFileError, load_office
from careerbot.places import PlaceIndex
from careerbot.runtime import (build_credentials, build_endpoints, enabled_channels,
                               write_runtime_config)
from careerbot.safety import detect_crisis


@pytest.mark.parametrize("aspect, response", [
    ("benefits", "utter_difference_benefits"), ("timeframe", "utter_difference_timeframe"),
    (None, "utter_difference_summary"), ("salary", "utter_difference_summary"),
])
def test_difference_answer_per_aspect(aspect, response):
    assert content.difference_response(aspect) == response


def test_unknown_barrier_has_no_advice_so_the_bot_asks():
    assert content.barrier_response("childcare") == "utter_barrier_childcare"
    assert content.barrier_response("aliens") is None


def test_walkthrough_moves_one_step_at_a_time_and_finishes_after_five():
    assert content.advance(1, "next") == (2, False)
    assert content.advance(3, "skip") == (4, False)
    assert content.advance(2, "more") == (2, True)
    assert content.advance(5, "next") == (None, False)
    assert content.advance(4, None) == (4, False)  # not a choice: stay put
    assert content.current_step("7") == 5 and content.current_step(None) == 1


@pytest.mark.parametrize("typed, name", [
    ("my name is maria lopez", "Maria Lopez"), ("I'm Dave", "Dave"), ("Ngozi O'Neil", "Ngozi O'Neil"),
    ("José", "José"), ("call me Anne-Marie", "Anne-Marie"), ("ok, Shay", "Shay"), ("sure its ana", "Ana"),
])
def test_names_are_cleaned(typed, name):
    assert clean_name(typed) == name


@pytest.mark.parametrize("typed", ["what is a job?", "217-555-0134", "", "a b c d e f g", "x@y.org",
                                   "nvm actually", "yes"])
def test_things_that_are_not_names_are_refused(typed):
    assert clean_name(typed) is None


@pytest.mark.parametrize("typed, kind, value", [
    ("217-555-0134", "phone", "217-555-0134"), ("(217) 555 0134", "phone", "217-555-0134"),
    ("+1 217.555.0134", "phone", "217-555-0134"), ("call me at 2175550134", "phone", "217-555-0134"),
    ("Sam@Example.org", "email", "sam@example.org"), ("my email is a.b+c@mail.example.com", "email",
                                                      "a.b+c@mail.example.com"),
    # "00" starts an international number as "+" does, but not inside one.
    ("0044 20 7946 0958", "phone", "+44 20 7946 0958"), ("217-555-0010", "phone", "217-555-0010"),
    ("call 217 555 0010", "phone", "217-555-0010"), ("(217) 555-0010", "phone", "217-555-0010"),
])
def test_phone_numbers_and_emails_are_normalised(typed, kind, value):
    detail = parse_contact_detail(typed)
    assert (detail.kind, detail.value) == (kind, value)


@pytest.mark.parametrize("typed", ["blah", "555-0134", "017-555-0134", "12345678901234", "sam@", "@x.org", ""])
def test_invalid_contact_details_are_refused(typed):
    assert parse_contact_detail(typed) is None


@pytest.mark.parametrize("text, kind", [
    ("I want to kill myself", "suicide"), ("i dont want to live anymore", "suicide"),
    ("thinking about ending it all", "suicide"), ("I'm suicidal", "suicide"),
    ("i might hurt myself tonight", "suicide"),
    ("i have pills and i'm thinking about taking them all", "suicide"),
    ("i don't see a reason to keep living", "suicide"),
    # Typed as people type: typos, text-speak, held-down letters.
    ("i wanna kil myslef", "suicide"), ("thinkin bout sucide alot", "suicide"),
    ("kms", "suicide"), ("i just want to dieeee", "suicide"),
    # Indirect.
    ("everyone would be better off without me", "suicide"),
    ("i want to disappear for good", "suicide"), ("i'm such a burden to my family", "suicide"),
    ("gave my dog to my neighbor, i won't be needing him", "suicide"),
    ("my boyfriend hits me", "domestic_violence"), ("I'm scared to go home", "domestic_violence"),
    ("my husband threatened me last night", "domestic_violence"), ("I am not safe", "danger"),
    ("he takes my whole paycheck and checks my phone", "domestic_violence"),
    ("i took a whole bottle of pills", "danger"),
    # Spanish, with and without accents.
    ("ya no quiero vivir", "suicide"), ("Ya no quiero vivir más", "suicide"),
    ("mi esposo me pega", "domestic_violence"), ("me quita el cheque cada semana", "domestic_violence"),
    # Buried in a long message about something else.
    ("so i applied to the warehouse job and the cna class but honestly some nights i think everyone "
     "would be better off if i wasnt here anymore. anyway does the college have night classes", "suicide"),
    # Negated, figurative and professional uses are not crises.
    ("i would never kill myself, i just hate this job", None), ("I'm not suicidal, just stressed", None),
    ("this commute is killing me", None), ("my job hit its target", None),
    ("how do I kill time between shifts", None), ("i'd kill for weekends off", None),
    ("stuck in a dead-end job", None), ("i killed the interview", None),
    ("how do i become a crisis counselor", None), ("taking all my classes online", None),
    ("my boss is gonna kill me if im late", None), ("este trabajo me esta matando", None),
    ("me muero de ganas de trabajar en un hospital", None),
])
def test_crisis_rules_recognise_every_way_it_is_said(text, kind):
    signal = detect_crisis(text)
    assert (signal.kind if signal else None) == kind


@pytest.mark.parametrize("text, language, someone_else", [
    ("my son says he wants to die", "en", True), ("i want to die", "en", False),
    ("mi hijo dice que se quiere matar", "es", True), ("ya no quiero vivir", "es", False),
])
def test_crisis_rules_tell_the_language_and_whom_it_is_about(text, language, someone_else):
    signal = detect_crisis(text)
    assert (signal.language, signal.about_someone_else) == (language, someone_else)


def test_office_details_come_from_the_office_file(tmp_path):
    path = tmp_path / "office.yml"
    path.write_text("name: North Office\nphone: 217-555-0199\nemail: a@example.org\n"
                    "address: 1 Main St\nhours: 9-5\nwebsite: https://example.org\n")
    office = load_office(path)
    assert office.template_values()["office_phone"] == "217-555-0199"
    assert office.display_name == "North Office"


def test_the_shipped_office_is_marked_as_sample():
    assert load_office().display_name.endswith("(sample office)")


def test_an_incomplete_office_file_says_what_is_missing(tmp_path):
    path = tmp_path / "office.yml"
    path.write_text("name: North Office\nphone: ''\n")
    with pytest.raises(OfficeFileError, match="phone, email, address, hours, website"):
        load_office(path)


@pytest.mark.parametrize("text, found", [
    ("I'm over in Springfield, IL", ["Springfield, IL"]), ("near 62704", ["62704"]),
    ("i live in denver", ["denver"]), ("Austin", ["Austin"]), ("kansas city missouri", ["kansas city missouri"]),
    ("I have no hope", []), ("someone at home is hurting me", []), ("why?", []),
])
def test_places_are_found_in_free_text(text, found):
    assert [m.text for m in PlaceIndex.default().extract_text(text)] == found


@pytest.mark.parametrize("text, found", [
    ("vivo en houston", ["houston"]), ("estoy en el Bronx", ["Bronx"]),
    ("cerca de Fresno", ["Fresno"]), ("vivo por Santa Ana", ["Santa Ana"]),
    # Everyday Spanish words that are also the names of small US towns are not places...
    ("nada", []), ("vale", []), ("estoy en casa", []), ("como va a estar el clima", []),
    # ... but a city people name still is, and English is read as before.
    ("plano", ["plano"]), ("i live in Richmond, va", ["Richmond, va"]),
])
def test_places_are_found_in_spanish_sentences(text, found):
    assert [m.text for m in PlaceIndex.default().extract_text(text)] == found


def test_places_resolve_to_coordinates_or_ask_which_state():
    index = PlaceIndex.default()
    zip_place = index.resolve("62704").place
    assert (zip_place.city, zip_place.state) == ("Springfield", "IL")
    assert index.resolve("Springfield, IL").place.state == "IL"
    ambiguous = index.resolve("Springfield")
    assert ambiguous.is_ambiguous and {"IL", "MO", "MA"} <= {p.state for p in ambiguous.places}
    assert index.resolve("00000").reason == "unknown_zip"
    assert index.resolve("Narnia").reason == "unknown_place"


def test_a_place_kept_by_its_label_resolves_to_the_same_place():
    """The referral form keeps a place as its label ("Springfield, IL 62704"); every search reads
    it back. A ZIP code typed after some other town still means that ZIP code."""
    index = PlaceIndex.default()
    places = index.zip_places()[::40]
    assert len(places) > 1000
    assert [p for p in places if index.resolve(p.label).place != p] == []
    springfield = index.resolve("62704").place
    assert index.resolve("Chicago, IL 62704").place == springfield
    assert index.resolve("near springfield, il 62704").place == springfield
    assert index.resolve("Springfield, IL 00000").reason == "unknown_zip"


@pytest.mark.parametrize("entity, text, value", [
    ("barrier", "don't own a car", "transportation"), ("barrier", "nobody to babysit my kids", "childcare"),
    ("aspect", "dental and vision", "benefits"), ("resource_type", "childcare vouchers", "childcare_assistance"),
    ("barrier", "no", None), ("aspect", "terms", None),
])
def test_entity_lexicon_maps_spans_to_contract_values(entity, text, value):
    assert normalise_text(entity, text) == value


def test_default_runtime_is_embedded_sqlite_with_only_web_channels(tmp_path):
    env = {"CAREERBOT_DATA_DIR": str(tmp_path)}
    store = build_endpoints(env)["tracker_store"]
    assert store["dialect"] == "sqlite" and store["db"] == str(tmp_path / "conversations.db")
    assert "lock_store" not in build_endpoints(env)
    assert enabled_channels(build_credentials(env)) == ["REST API", "website widget"]
    # Another action server address keeps the rest of the action endpoint's settings.
    action_endpoint = build_endpoints(dict(env, ACTION_SERVER_URL="http://127.0.0.1:5099/webhook"))["action_endpoint"]
    assert action_endpoint == {"url": "http://127.0.0.1:5099/webhook", "enable_selective_domain": True,
                               "headers": {"Authorization": "Bearer ${ACTION_SERVER_TOKEN}"}}


def test_environment_switches_on_postgres_redis_and_channels(tmp_path):
    env = {"DATABASE_URL": "postgresql://bot:s3cret@db.internal:5433/careers",
           "REDIS_URL": "redis://:r3dis@127.0.0.1:6379/2", "TELEGRAM_BOT_TOKEN": "x",
           "SLACK_BOT_TOKEN": "y", "ACTION_SERVER_TOKEN": "act1on-" + "t" * 32}
    endpoints = build_endpoints(env)
    # Rasa fills the URLs in from the environment: no password is ever written to a file.
    assert endpoints["tracker_store"] == {"type": "serving.tracker_store.DurableSQLTrackerStore",
                                          "dialect": "postgresql", "url": "${DATABASE_URL}"}
    assert endpoints["lock_store"] == {"type": "serving.lock_store.AtomicRedisLockStore",
                                       "url": "${REDIS_URL}"}
    written = "".join(path.read_text() for path in write_runtime_config(tmp_path, env))
    assert "s3cret" not in written and "r3dis" not in written and "act1on-" not in written
    assert enabled_channels(build_credentials(env)) == ["REST API", "website widget", "Telegram", "Slack"]
    for wrong in ({"DATABASE_URL": "mysql://x"}, {"DATABASE_URL": "postgres://x"},
                  {"REDIS_URL": "http://x"}):
        with pytest.raises(ValueError):
            build_endpoints(wrong)


def test_place_matchers_of_vocabularies_no_longer_used_are_let_go():
    """A model loaded in place of another brings a new spaCy vocabulary, and the place rules
    build matchers for it: those of vocabularies no longer used are dropped, and the ones in use
    are kept and reused, still finding places."""
    import spacy

    from careerbot import places

    index = PlaceIndex([{"zip_code": "62704", "city": "SPRINGFIELD", "state": "IL",
                         "lat": "39.77", "long": "-89.68"}])
    pipelines = [spacy.blank("en") for _ in range(places.MATCHER_VOCABULARIES + 2)]
    for nlp in pipelines:
        mentions = index.extract(nlp.make_doc("is there a job center near Springfield 62704"))
        assert [m.text for m in mentions] == ["Springfield", "62704"]
    kept = dict(index._matchers)
    assert len(kept) == places.MATCHER_VOCABULARIES
    assert id(pipelines[0].vocab) not in kept and id(pipelines[-1].vocab) in kept
    index.extract(pipelines[-1].make_doc("near 62704"))
    assert index._matchers[id(pipelines[-1].vocab)] is kept[id(pipelines[-1].vocab)]  # reused


def test_a_message_not_understood_is_offered_its_two_likeliest_topics():
    ranking = [{"name": "nlu_fallback", "confidence": 0.7}, {"name": "ask_job_search", "confidence": 0.4},
               {"name": "greet", "confidence": 0.3}, {"name": "find_resource", "confidence": 0.2},
               {"name": "ask_career_exploration", "confidence": 0.05}]
    assert content.likeliest_topics(ranking) == [("ask_job_search", "Find job openings"),
                                                 ("find_resource", "Find local help")]
    # About something else altogether: nothing to offer.
    assert content.likeliest_topics([{"name": "nlu_fallback", "confidence": 0.7},
                                     {"name": "out_of_scope", "confidence": 0.6},
                                     {"name": "ask_job_search", "confidence": 0.3}]) == []



def test_a_data_folder_from_an_older_version_becomes_private_with_its_databases(tmp_path):
    """An office upgrading keeps its var/: conversations and password hashes written there
    before, readable by every user of the machine, become readable by the assistant's user only."""
    from careerbot.settings import data_dir

    folder = tmp_path / "var"
    folder.mkdir(mode=0o755)
    database = folder / "conversations.db"
    database.write_bytes(b"stored conversations")
    database.chmod(0o644)
    (folder / "production").mkdir(mode=0o755)
    umask = os.umask(0o022)
    try:
        assert data_dir({"CAREERBOT_DATA_DIR": str(folder)}) == folder
    finally:
        os.umask(umask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert database.read_bytes() == b"stored conversations"
