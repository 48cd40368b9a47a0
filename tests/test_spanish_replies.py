"""Replies built in Python in a conversation in Spanish: search results, answers about the listings
shown, the "did you mean" buttons, the "show more" button; and the same replies in English,
unchanged. The directory's own data (names, eligibility, fees) stays as the directory words it."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import conversation_language
from careerbot import content
from careerbot.directory import format as search_format
from careerbot.directory import hours
from careerbot.directory.format import (format_listing, format_results, listing_title, miles,
                                        more_button_title)
from careerbot.directory.mapping import RESOURCE_TYPES, load_mapping
from careerbot.directory.search import Listing, SearchResult
from careerbot.language import LANGUAGES
from careerbot import listing_questions
from careerbot.listing_questions import NOT_IN_DIRECTORY, ListingQuestion, answer, read_question
from careerbot.places import Place
# Fixtures are imported by name so pytest finds them in this module.
from tests.support.directory import (OFFICE, WEDNESDAY_MORNING_IN_ILLINOIS, place,  # noqa: F401
                                     sample_directory)

SPRINGFIELD = Place("Springfield", "IL", 39.78, -89.65, "62704")


def rule(**fields) -> hours.ScheduleRule:
    return hours.ScheduleRule.from_fields({k: str(v) for k, v in fields.items()})


@pytest.fixture(scope="module")
def first_page(sample) -> SearchResult:
    """What a visitor at 62704 sees first for career help."""
    return sample.search(["workforce_center", "career_center", "community_college"],
                         place("62704"))


def listing_named(sample, service: str) -> Listing:
    everything = sample.search(list(RESOURCE_TYPES), place("62704"), limit=50).listings
    return next(x for x in everything if x.service == service)


# ---- every language has every phrase ------------------------------------------------------------

@pytest.mark.parametrize("table", [
    search_format.PHRASES, listing_questions.PHRASES, hours._WORDS, hours.DAY_NAMES,
    listing_questions.WEEKDAY_NAMES, content.TOPICS, content.SOMETHING_ELSE,
], ids=["format", "listing_questions", "hours", "day_names", "weekday_names", "topics",
        "something_else"])
def test_every_language_has_every_phrase(table):
    assert set(table) == set(LANGUAGES)
    english = table["en"]
    for language in LANGUAGES:
        if isinstance(english, dict):
            assert set(table[language]) == set(english), language
            for key, value in english.items():
                if isinstance(value, dict):  # a language may name more ordinals as words
                    assert set(value) <= set(table[language][key]), (language, key)
        elif isinstance(english, str):
            assert table[language], language
        else:
            assert len(table[language]) == len(english), language


# ---- the hours line -----------------------------------------------------------------------------

@pytest.mark.parametrize("rules, english, spanish", [
    ([rule(byday="MO,TU,WE,TH", opens_at="09:00", closes_at="18:00"),
      rule(byday="FR", opens_at="09:00", closes_at="13:00"),
      rule(byday="SA,SU", opens_at="10:00", closes_at="12:30")],
     "Mon–Thu 9 am–6 pm; Fri 9 am–1 pm; Sat, Sun 10 am–12:30 pm",
     "lun–jue 9 am–6 pm; vie 9 am–1 pm; sáb, dom 10 am–12:30 pm"),
    ([rule(opens_at="00:00", closes_at="24:00")], "Daily 24 hours", "todos los días 24 horas"),
    ([rule(byday="SA", opens_at="09:00", closes_at="12:00")], "Sat 9 am–noon",
     "sáb 9 am–mediodía"),
    ([rule(freq="MONTHLY", byday="1WE,3WE", opens_at="18:00", closes_at="20:00")],
     "1st Wed and 3rd Wed of every month 6 pm–8 pm",
     "primer mié y tercer mié de cada mes 6 pm–8 pm"),
    ([rule(freq="MONTHLY", byday="-1FR", opens_at="22:00", closes_at="00:00")],
     "last Fri of every month 10 pm–midnight", "último vie de cada mes 10 pm–medianoche"),
    ([rule(freq="MONTHLY", bymonthday="15,-2", interval=2, dtstart="2026-01-01",
           opens_at="09:00", closes_at="17:00")],
     "day 15 and 2nd-to-last day of every 2 months 9 am–5 pm",
     "día 15 y penúltimo día, cada 2 meses 9 am–5 pm"),
    ([rule(freq="MONTHLY", byday="-4TU", opens_at="09:00", closes_at="17:00")],
     "4th-to-last Tue of every month 9 am–5 pm",
     "cuarto mar desde el final de cada mes 9 am–5 pm"),
    ([rule(byday="MO", interval=2, dtstart="2026-01-05", opens_at="09:00", closes_at="17:00")],
     "Mon, every 2 weeks 9 am–5 pm", "lun, cada 2 semanas 9 am–5 pm"),
    ([rule(description="By appointment")], "By appointment", "By appointment"),
])
def test_the_hours_line_in_each_language(rules, english, spanish):
    assert hours.hours_text(rules) == english
    assert hours.hours_text(rules, "en") == english
    assert hours.hours_text(rules, "es") == spanish


# ---- search results -----------------------------------------------------------------------------

WEEKDAYS_AND_SATURDAY = (rule(byday="MO,TU,WE,TH,FR", opens_at="08:00", closes_at="16:30"),
                         rule(byday="SA", opens_at="09:00", closes_at="12:00"))
PRAIRIE = Listing(
    id="sal-prairie", organization="Prairie Jobs Center", service="Career coaching",
    address="1 Example Street, Springfield, IL 62701", latitude=39.8, longitude=-89.65,
    distance_miles=2.84, phone="217-555-0142", website="https://full.example.org/coaching",
    eligibility="Adults 18 and over", fees="Free", hours=hours.hours_text(WEEKDAYS_AND_SATURDAY),
    open_now=True, schedule=WEEKDAYS_AND_SATURDAY, time_zone="America/Chicago",
    resource_types=("career_center",), is_sample=True)


def test_a_listing_in_spanish_keeps_the_directorys_own_words():
    assert format_listing(PRAIRIE, "es") == "\n".join([
        "Prairie Jobs Center — Career coaching (ejemplo de prueba)",
        "1 Example Street, Springfield, IL 62701 · 2.8 millas",
        "217-555-0142 · lun–vie 8 am–4:30 pm; sáb 9 am–mediodía (abierto ahora)",
        "https://full.example.org/coaching",
        "Requisitos: Adults 18 and over · Costo: Free",
    ])


def test_a_listing_in_english_is_unchanged():
    expected = "\n".join([
        "Prairie Jobs Center — Career coaching (sample listing)",
        "1 Example Street, Springfield, IL 62701 · 2.8 miles",
        "217-555-0142 · Mon–Fri 8 am–4:30 pm; Sat 9 am–noon (open now)",
        "https://full.example.org/coaching",
        "Eligibility: Adults 18 and over · Fees: Free",
    ])
    assert format_listing(PRAIRIE) == expected
    assert format_listing(PRAIRIE, "en") == expected


def test_a_live_providers_listing_is_labelled_and_its_hours_quoted_in_spanish():
    center = Listing(id="careeronestop:42", organization="Capital Area AJC",
                     service="American Job Center", address=None, latitude=39.8,
                     longitude=-89.65, distance_miles=1.0, hours="Mon-Fri 8:00 AM - 5:00 PM",
                     open_now=False, source="CareerOneStop")
    assert listing_title(center, "es") == \
        "Capital Area AJC — American Job Center (de CareerOneStop)"
    assert listing_title(center) == "Capital Area AJC — American Job Center (from CareerOneStop)"
    assert format_listing(center, "es").splitlines()[1:] == [
        "1.0 milla", "Mon-Fri 8:00 AM - 5:00 PM (cerrado ahora)"]


@pytest.mark.parametrize("distance, english, spanish", [
    (1.0, "1.0 mile", "1.0 milla"), (0.96, "1.0 mile", "1.0 milla"),
    (2.84, "2.8 miles", "2.8 millas"), (0.2, "0.2 miles", "0.2 millas"),
])
def test_miles(distance, english, spanish):
    assert (miles(distance), miles(distance, "es")) == (english, spanish)


def test_search_results_in_spanish(first_page):
    text = format_results(first_page, OFFICE, "es")
    blocks = text.split("\n\n")

    assert blocks[0] == (
        "Centros de empleo (American Job Centers) o centros de carreras o colegios comunitarios "
        "(community colleges) cerca de Springfield, IL 62704, a menos de 25 millas, empezando "
        "por los más cercanos (1–3 de 6):")
    assert blocks[1].splitlines() == [
        "Sample Prairie Workforce Center — Job search and career coaching (ejemplo de prueba)",
        "101 Sample Way, Springfield, IL 62701 · 2.8 millas",
        "217-555-0101 · lun–vie 8 am–4:30 pm (abierto ahora)",
        "https://prairie-workforce.example.org/services/1",
        "Requisitos: Open to all job seekers 18 and over. · Costo: Free",
    ]
    assert len(blocks) == 5 and blocks[-1] == 'Escribe "ver más" para ver más resultados.'


def test_search_results_in_english_are_unchanged(first_page):
    text = format_results(first_page, OFFICE)
    blocks = text.split("\n\n")

    assert text == format_results(first_page, OFFICE, "en")
    assert blocks[0] == (
        "Workforce centers (American Job Centers) or career centers or community colleges near "
        "Springfield, IL 62704, within 25 miles, nearest first (1–3 of 6):")
    assert blocks[1].splitlines()[2:] == [
        "217-555-0101 · Mon–Fri 8 am–4:30 pm (open now)",
        "https://prairie-workforce.example.org/services/1",
        "Eligibility: Open to all job seekers 18 and over. · Fees: Free",
    ]
    assert blocks[-1] == 'Say "show more" to see more.'


def widened_result(offset: int = 0) -> SearchResult:
    """A search that found one career center only after widening the radius."""
    return SearchResult((PRAIRIE,) if offset == 0 else (), 1, ("career_center",),
                        {"en": "career centers", "es": "centros de carreras"}, SPRINGFIELD,
                        25.0, 50.0, offset)


def test_a_widened_search_says_so_in_spanish():
    blocks = format_results(widened_result(), OFFICE, "es").split("\n\n")
    assert blocks[:2] == [
        "No encontré nada a menos de 25 millas, así que busqué más lejos, a menos de 50 millas.",
        "Centros de carreras cerca de Springfield, IL 62704, a menos de 50 millas, empezando por "
        "los más cercanos (1 de 1):"]
    assert len(blocks) == 3  # nothing more to show: no hint
    assert format_results(widened_result(offset=1), OFFICE, "es") == \
        "Eso es todo: no hay más resultados para esta búsqueda."


def test_a_widened_search_in_english_is_unchanged():
    blocks = format_results(widened_result(), OFFICE).split("\n\n")
    assert blocks[:2] == [
        "I found nothing within 25 miles, so I looked further, within 50 miles.",
        "Career centers near Springfield, IL 62704, within 50 miles, nearest first (1 of 1):"]
    assert format_results(widened_result(offset=1), OFFICE) == \
        "That's all of them: there are no more results for this search."


def test_nothing_found_in_spanish_points_to_the_same_finders(sample):
    result = sample.search(["library"], place("78702"))

    assert format_results(result, OFFICE, "es").splitlines() == [
        "No encontré bibliotecas con ayuda para temas de trabajo y carrera a menos de 50 millas "
        "de Austin, TX 78702 en nuestro directorio (también busqué más allá de las primeras 25 "
        "millas).",
        "Aun así, puedes encontrar ayuda cerca de ti:",
        "• La oficina de desarrollo laboral (workforce development office) o el American Job "
        "Center de tu zona: búscalos con el buscador de American Job Centers de CareerOneStop en "
        "careeronestop.org.",
        "• 211: llama al 211 o visita 211.org para comunicarte con los servicios comunitarios de "
        "tu zona.",
        "• Test Career Office: 217-555-0199, help@example.org, https://office.example.org",
    ]
    assert format_results(result, OFFICE).splitlines()[:4] == [
        "I couldn't find any libraries with job and career help within 50 miles of Austin, TX "
        "78702 in our directory (I also looked beyond the first 25 miles).",
        "You can still find help nearby:",
        "• Your local workforce development office or American Job Center: search CareerOneStop's "
        "American Job Center finder at careeronestop.org.",
        "• 211: call 211 or visit 211.org to reach local community services.",
    ]


# ---- the kinds of help, from the mapping --------------------------------------------------------

def test_the_shipped_mapping_names_every_kind_of_help_in_spanish():
    mapping = load_mapping()
    for name in RESOURCE_TYPES:
        assert mapping.label(name, "es") != mapping.label(name), name
    assert mapping.category_label(["adult_education", "community_college"], "es") == (
        "programas de educación para adultos (GED, ESL, habilidades básicas) o colegios "
        "comunitarios (community colleges)")
    assert mapping.category_label(["adult_education", "community_college"]) == (
        "adult education programs (GED, ESL, basic skills) or community colleges")


def test_a_mapping_without_spanish_labels_uses_its_english_ones(tmp_path):
    shipped = load_mapping()
    edited = tmp_path / "mapping.yml"
    lines = ["resource_types:"]
    for name, entry in shipped.resource_types.items():
        lines += [f"  {name}:", f"    label: {entry.label}", f"    terms: {sorted(entry.terms)}"]
    lines += ["barriers:"] + [f"  {b}: {list(types)}" for b, types in shipped.barriers.items()]
    edited.write_text("\n".join(lines) + "\n")

    mapping = load_mapping(edited)

    assert mapping.label("library", "es") == "libraries with job and career help"
    assert mapping.category_label(["library", "career_center"], "es") == \
        "libraries with job and career help o career centers"


# ---- answers about the listings shown -----------------------------------------------------------

def asked(text: str, listings, now=WEDNESDAY_MORNING_IN_ILLINOIS, language="es") -> list:
    question = read_question(text, [x.name for x in listings])
    return answer(question, listings, now, language).splitlines()


def test_saturday_hours_in_spanish(sample):
    listings = [listing_named(sample, "Job search and career coaching"),
                listing_named(sample, "English classes for adults (ESL)")]

    assert asked("r they open saturdy", listings) == [
        "Sample Prairie Workforce Center — Job search and career coaching (ejemplo de prueba): "
        "Cerrado el sábado. Horario: lun–vie 8 am–4:30 pm.",
        "Sample Bluestem Adult Learning Center — English classes for adults (ESL) "
        "(ejemplo de prueba): Abierto el sábado, 10 am–mediodía.",
    ]
    assert asked("r they open saturdy", listings, language="en") == [
        "Sample Prairie Workforce Center — Job search and career coaching (sample listing): "
        "Closed on Saturday. Hours: Mon–Fri 8 am–4:30 pm.",
        "Sample Bluestem Adult Learning Center — English classes for adults (ESL) "
        "(sample listing): Open on Saturday, 10 am–noon.",
    ]


def test_open_now_this_evening_and_after_work_in_spanish(sample):
    workshops = listing_named(sample, "Resume and interview workshops")   # Wed 5:30–7:30 pm
    prairie = listing_named(sample, "Job search and career coaching")     # Mon–Fri 8–4:30
    wednesday_night = datetime(2026, 11, 19, 3, 0, tzinfo=timezone.utc)   # 21:00 in Illinois

    assert asked("are they open now", [workshops, prairie])[1].endswith(
        ": Abierto ahora. Horario: lun–vie 8 am–4:30 pm.")
    assert asked("anything open tonight", [workshops, prairie]) == [
        "Sample Capitol Career Center — Resume and interview workshops (ejemplo de prueba): "
        "Abierto esta noche (miércoles), 5:30 pm–7:30 pm.",
        "Sample Prairie Workforce Center — Job search and career coaching (ejemplo de prueba): "
        "Cerrado esta noche (miércoles). Horario: lun–vie 8 am–4:30 pm.",
    ]
    assert asked("open tomorrow evening?", [prairie])[0].endswith(
        ": Cerrado mañana por la noche (jueves). Horario: lun–vie 8 am–4:30 pm.")
    assert asked("any open after work", [workshops, prairie]) == [
        "Sample Capitol Career Center — Resume and interview workshops (ejemplo de prueba): "
        "Abierto por la noche: mié 5:30 pm–7:30 pm.",
        "Sample Prairie Workforce Center — Job search and career coaching (ejemplo de prueba): "
        "No abre por la noche. Horario: lun–vie 8 am–4:30 pm.",
    ]
    assert asked("open now?", [prairie], now=wednesday_night)[0].endswith(
        ": Cerrado ahora. Horario: lun–vie 8 am–4:30 pm.")


def test_fields_in_spanish_and_a_missing_one_said_honestly(first_page):
    listings = list(first_page.listings)
    assert [line.split(": ", 1)[1] for line in asked("do i qualify", listings)] == [
        "Requisitos: Open to all job seekers 18 and over.",
        "Requisitos: High school diploma or GED, or enrolled in a bridge program.",
        "El directorio no incluye quién puede ir; llámalos al 217-555-0102 o visita "
        "https://capitol-career.example.org/services/1 para preguntar.",
    ]
    assert asked("whats the phone number for the college", listings) == [
        "Sample Meadowlark Community College — Workforce certificate programs "
        "(ejemplo de prueba): Teléfono: 217-555-0103."]
    assert asked("address of the second one", listings)[0].endswith(
        ": Dirección: 1 Demo College Drive, Springfield, IL 62703.")


def test_the_closest_in_spanish(first_page, sample):
    listings = list(first_page.listings)
    assert asked("which one is closest", listings) == [
        "El más cercano es Sample Prairie Workforce Center — Job search and career coaching "
        "(ejemplo de prueba), a 2.8 millas; después, Sample Meadowlark Community College — "
        "Workforce certificate programs (ejemplo de prueba) (3.3 millas), Sample Capitol Career "
        "Center — Career counseling and interest assessments (ejemplo de prueba) (4.7 millas)."]
    assert asked("how far is the college", listings) == [
        "Sample Meadowlark Community College — Workforce certificate programs "
        "(ejemplo de prueba) está a 3.3 millas."]
    unmeasured = sample.listings_by_id([listings[0].id])
    assert asked("which is nearest", unmeasured) == [
        "No puedo saber a qué distancia están de ti si no sé dónde estás.",
        "Sample Prairie Workforce Center — Job search and career coaching (ejemplo de prueba): "
        "Dirección: 101 Sample Way, Springfield, IL 62701.",
    ]


def test_what_the_directory_leaves_out_in_spanish():
    bare = Listing(id="x", organization="Bare Office", service="Bare Office", address=None,
                   latitude=39.8, longitude=-89.65, distance_miles=None)
    center = Listing(id="careeronestop:42", organization="Capital Area AJC",
                     service="American Job Center", address="1 Main St, Springfield, IL 62701",
                     latitude=39.8, longitude=-89.65, distance_miles=1.5, phone="217-555-0150",
                     hours="Mon-Fri 8:00 AM - 5:00 PM", source="CareerOneStop")

    assert asked("r they open now, whats the number and address", [bare]) == [
        "Bare Office: El directorio no incluye su horario, su teléfono ni su dirección; "
        "pregúntale a un consejero."]
    assert asked("r they open sat and is it free", [center]) == [
        "Capital Area AJC — American Job Center (de CareerOneStop): No puedo saber si abre el "
        "sábado; su horario dice: Mon-Fri 8:00 AM - 5:00 PM. El directorio no incluye cuánto "
        "cuesta; llámalos al 217-555-0150 para preguntar."]
    assert asked("r they open sat and is it free", [center], language="en") == [
        "Capital Area AJC — American Job Center (from CareerOneStop): I can't tell whether it's "
        "open on Saturday; its hours are listed as: Mon-Fri 8:00 AM - 5:00 PM. The directory "
        "doesn't list its fees; call them at 217-555-0150 to ask."]
    assert asked("r they open now, whats the number and address", [bare], language="en") == [
        "Bare Office: The directory doesn't list its hours, a phone number or an address; ask a "
        "counselor."]


def test_a_listing_no_longer_in_the_directory_in_each_language():
    question = ListingQuestion(("phone",))
    assert answer(question, [], WEDNESDAY_MORNING_IN_ILLINOIS, "es") == (
        "No tengo los datos del directorio sobre ese lugar. Un consejero te puede ayudar a saber "
        "más.")
    assert answer(question, [], WEDNESDAY_MORNING_IN_ILLINOIS) == NOT_IN_DIRECTORY == (
        "I don't have the directory's details for that place. A counselor can help you find out "
        "more.")


@pytest.mark.parametrize("spanish, english", [
    ("¿abren el sábado?", "are they open saturday"),
    ("¿Están abiertos ahora?", "are they open now"),
    ("¿y el domingo?", "and sunday?"),
    ("¿abren hoy?", "are they open today"),
    ("¿a qué hora abren mañana?", "are they open tomorrow"),
    ("abren esta noche?", "are they open tonight"),
    ("¿abren el fin de semana?", "are they open this weekend"),
    ("¿a qué hora cierran?", "what are the hours"),
    ("¿cuánto cuesta?", "how much does it cost"),
    ("¿es gratis?", "is it free"),
    ("¿cuál es el teléfono?", "whats the phone number"),
    ("¿cuál es la dirección?", "whats the address"),
    ("¿dónde queda?", "where is it"),
    ("¿cuáles son los requisitos?", "what are the requirements"),
    ("¿quién puede ir?", "who can go"),
    ("¿tengo que pagar algo?", "do i have to pay"),
    ("¿cómo me inscribo?", "how do i register"),
    ("¿cuál está más cerca?", "which is closest"),
])
def test_a_few_spanish_questions_are_read_as_their_english_ones(first_page, spanish, english):
    names = [x.name for x in first_page.listings]
    assert read_question(spanish, names) == read_question(english, names) is not None


# ---- "did you mean", "show more" ----------------------------------------------------------------

RANKING = [{"name": "nlu_fallback", "confidence": 0.6},
           {"name": "ask_job_search", "confidence": 0.3},
           {"name": "ask_career_definition", "confidence": 0.2}]


def test_did_you_mean_titles_in_each_language():
    assert content.likeliest_topics(RANKING, language="es") == [
        ("ask_job_search", "Buscar ofertas de trabajo"),
        ("ask_career_definition", "Qué es una carrera")]
    assert content.likeliest_topics(RANKING) == content.likeliest_topics(RANKING, language="en") \
        == [("ask_job_search", "Find job openings"), ("ask_career_definition", "What a career is")]


def tracker(slots: Optional[Dict[str, Any]] = None, text: str = "blorp the career thing",
            intent: str = "nlu_fallback") -> Tracker:
    message = {"intent": {"name": intent, "confidence": 0.6}, "entities": [], "text": text,
               "intent_ranking": RANKING}
    return Tracker("person-1", slots or {}, message, [], False, None, {}, "action_listen")


@pytest.mark.parametrize("slots, titles", [
    ({"language": "es"}, ["Buscar ofertas de trabajo", "Qué es una carrera", "Otra cosa"]),
    ({"language": "en"}, ["Find job openings", "What a career is", "Something else"]),
    ({}, ["Find job openings", "What a career is", "Something else"]),
])
def test_the_did_you_mean_buttons_are_in_the_conversations_language(slots, titles):
    from actions.fallback import ActionDidYouMean
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionDidYouMean().run(dispatcher, tracker(slots), {}))

    message, = dispatcher.messages
    assert message["response"] == "utter_did_you_mean"
    assert [b["title"] for b in message["buttons"]] == titles
    assert [b["payload"] for b in message["buttons"]] == [
        "/ask_job_search", "/ask_career_definition", "/ask_capabilities"]


@pytest.mark.parametrize("slots, language", [
    ({}, "en"), ({"language": None}, "en"), ({"language": "en"}, "en"),
    ({"language": "es"}, "es"), ({"language": "fr"}, "en"),
])
def test_the_conversations_language_is_english_until_the_slot_says_otherwise(slots, language):
    assert conversation_language(tracker(slots)) == language


@pytest.mark.parametrize("language, button, first_words, hint", [
    ("es", "Ver más", "Centros de empleo (American Job Centers) o centros de carreras cerca de "
     "Springfield, IL 62704", 'Escribe "ver más" para ver más resultados.'),
    ("en", "Show more", "Workforce centers (American Job Centers) or career centers near "
     "Springfield, IL 62704", 'Say "show more" to see more.'),
])
def test_search_and_show_more_button_in_the_conversations_language(sample, monkeypatch, language,
                                                                    button, first_words, hint):
    from actions import referrals
    monkeypatch.setattr(referrals, "directory", lambda: sample)
    dispatcher = CollectingDispatcher()
    slots = {"referral_barriers": ["experience"], "resource_type": "workforce_center",
             "location": "Springfield, IL 62704", "referrals_shown": [], "language": language}

    asyncio.run(referrals.ActionSearchReferrals().run(dispatcher, tracker(slots, "62704",
                                                                          "inform"), {}))

    reply, = dispatcher.messages
    assert reply["text"].startswith(first_words) and reply["text"].endswith(hint)
    assert reply["buttons"] == [{"title": button, "payload": "/ask_more"}]
    assert more_button_title(language) == button
