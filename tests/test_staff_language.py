"""The staff console shows each conversation's language, filters by it and counts conversations per
language, over HTTP on SQLite and on PostgreSQL.

A conversation's language is the last value of its `language` slot, English while it was never
set (careerbot/console/languages.py). Conversations are written into Rasa's events table in the
shape Rasa writes them (tests/support/rasa_events.py): each message whose language was detected
carries the `language` entity and is followed by the slot it sets, as components/language_detector.py
and domain.yml's slot mapping make the running bot write them; and, on SQLite, held with the
running assistant itself.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import time
import uuid
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa

from careerbot.console import migrations
from careerbot.console.db import Database
from careerbot.console.languages import LABELS
from careerbot.console.summaries import SummarySync
from careerbot.language import LANGUAGES
from tests.support import rasa_events as ev
from tests.support.servers import rest_conversation
from tests.support.staff import (
    COUNSELOR, console_env, create_staff, postgres_database, seeded_console, signed_in, sqlite_url,
    start_staff_web_app,
)

NOW = time.time()
DAY = 86400
SPANISH = '<span class="language" lang="es">Español</span>'
ENGLISH = '<span class="language" lang="en">English</span>'


def said(text: str, intent: str, language=None, channel: str = "rest"):
    """A message and, when its language was detected, the slot the `language` entity fills."""
    entities = [] if language is None else [{"entity": "language", "value": language, "start": 0,
                                             "end": len(text), "extractor": "LanguageDetector"}]
    events = [ev.user(text, intent, 0.93, entities, channel=channel)]
    if language is not None:
        events.append(ev.slot("language", language))
    return events


def conversation(sender: str, days_ago: float, *events) -> ev.Conversation:
    return ev.Conversation(sender, NOW - days_ago * DAY).add(*ev.session_start(), *events)


def _seed():
    return [
        conversation("es-socket", 1, *said("hola, busco trabajo de cajera", "ask_job_search", "es", "socketio"),
                     ev.bot("¡Hola! Te ayudo a buscar trabajo.")),
        conversation("es-telegram", 2, *said("no tengo carro", "share_barrier", "es", "telegram"),
                     ev.slot("barrier", "transportation"), ev.bot("El transporte puede ser difícil."),
                     *said("60614", "inform", None, "telegram"), ev.bot("Busco en 60614.")),
        conversation("en-set", 1.5, *said("I need a job", "ask_job_search", "en"), ev.bot("I can help.")),
        # Nothing the person wrote showed a language: the bot answered in English.
        conversation("never-set", 3, *said("60614", "inform"), ev.bot("Looking near 60614.")),
        # Spanish first, then "english please": English now.
        conversation("es-then-en", 4, *said("hola", "greet", "es"), ev.bot("¡Hola!"),
                     *said("english please", "switch_language", "en"), ev.bot("Sure, English it is.")),
        # English first, then Spanish, then an "ok" that is neither: Spanish now.
        conversation("en-then-es", 5, *said("hi there", "greet", "en"), ev.bot("Hi!"),
                     *said("mejor en español por favor", "switch_language", "es"), ev.bot("¡Claro!"),
                     *said("ok", "affirm"), ev.bot("¿En qué te ayudo?")),
        # A new session carries the slot over: still Spanish.
        conversation("es-new-session", 6, *said("necesito ayuda con mi currículum", "ask_resume", "es"),
                     ev.bot("Claro."), *ev.session_start()[:2], ev.slot("language", "es"),
                     ev.action("action_listen"), *said("gracias", "thank"), ev.bot("¡De nada!")),
        # A crisis in Spanish: the counselor who calls back should speak it.
        conversation("es-crisis", 7, *said("ya no quiero vivir", "crisis", "es", "socketio"),
                     ev.slot("crisis_flag", True), ev.bot("Llama o envía un mensaje de texto al 988.")),
        # Spanish long ago: outside the analytics period below, still in the list.
        conversation("es-old", 60, *said("hola", "greet", "es"), ev.bot("¡Hola!")),
    ]


SPANISH_IDS = {"es-socket", "es-telegram", "en-then-es", "es-new-session", "es-crisis", "es-old"}
ENGLISH_IDS = {"en-set", "never-set", "es-then-en"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request, tmp_path_factory):
    """The real web app over a seeded tracker database, per database kind."""
    work = tmp_path_factory.mktemp(f"staff-language-{request.param}")
    with seeded_console(request.param, work, _seed(), {"STAFF_TIMEZONE": "UTC"}) as (base_url, url, _env):
        yield base_url, url, signed_in(base_url, COUNSELOR)


def ids(client, query: dict) -> list:
    response = client.get("/staff/conversations?" + urlencode(query))
    assert response.status_code == 200, response.text
    return re.findall(r'href="/staff/conversation\?id=([^"&]+)', response.text)


def row_of(listing: str, sender: str) -> str:
    match = re.search(r'<tr>\s*<td class="nowrap"><a href="/staff/conversation\?id=' + re.escape(quote(sender))
                      + r'[^"]*">.*?</tr>', listing, re.S)
    assert match, f"{sender} is not in the list"
    return match.group(0)


def analytics_row(page: str, name: str):
    """The count in the Conversations per language table for one language, or None."""
    section = re.search(r"Conversations per language</figcaption>.*?</figure>", page, re.S)
    assert section, "no Conversations per language chart"
    found = re.search(r'<th scope="row">' + name + r'</th><td class="num">([\d,]+)</td>', section.group(0))
    return int(found.group(1).replace(",", "")) if found else None


def test_every_language_has_its_labels_in_one_place():
    assert tuple(LABELS) == LANGUAGES
    assert LABELS["es"].name == "Spanish" and LABELS["es"].autonym == "Español"


def test_the_list_shows_each_conversations_language(console):
    _, _, client = console
    listing = client.get("/staff/conversations").text
    assert '<th scope="col">Language</th>' in listing
    for sender in SPANISH_IDS:
        assert SPANISH in row_of(listing, sender), sender
    for sender in ENGLISH_IDS:
        row = row_of(listing, sender)
        assert ENGLISH in row and SPANISH not in row, sender


def test_the_transcript_shows_the_language(console):
    _, _, client = console
    page = client.get("/staff/conversation?id=es-telegram").text
    assert f"language: {SPANISH}" in page
    assert f"<dt>Language</dt><dd>{SPANISH}</dd>" in page
    for sender in ("never-set", "es-then-en"):
        page = client.get(f"/staff/conversation?id={sender}").text
        assert f"<dt>Language</dt><dd>{ENGLISH}</dd>" in page and SPANISH not in page, sender


def test_the_language_filter_returns_only_that_language(console):
    _, _, client = console
    assert set(ids(client, {"language": "es"})) == SPANISH_IDS
    assert set(ids(client, {"language": "en"})) == ENGLISH_IDS  # never set counts as English
    assert set(ids(client, {})) == SPANISH_IDS | ENGLISH_IDS
    listing = client.get("/staff/conversations?language=es").text
    assert f"of <strong>{len(SPANISH_IDS)}</strong> conversations matching the filters" in listing
    assert '<option value="es" selected>Spanish</option>' in listing and ">All</option>" in listing
    assert '<option value="" selected>All</option>' in client.get("/staff/conversations").text


@pytest.mark.parametrize("query, expected", [
    ({"language": "es", "channel": "telegram"}, ["es-telegram"]),
    ({"language": "es", "barrier": "transportation"}, ["es-telegram"]),
    ({"language": "en", "intent": "switch_language"}, ["es-then-en"]),
    ({"language": "es", "intent": "switch_language"}, ["en-then-es"]),
    ({"language": "es", "q": "currículum"}, ["es-new-session"]),
    ({"language": "es", "crisis": "yes"}, ["es-crisis"]),
    ({"language": "en", "channel": "socketio"}, []),
])
def test_the_language_filter_combines_with_the_others(console, query, expected):
    _, _, client = console
    assert ids(client, query) == expected


def test_the_follow_up_queue_says_which_language_to_call_back_in(console):
    _, _, client = console
    queue = client.get("/staff/queue").text
    link = queue.index("conversation?id=es-crisis")
    card = queue[queue.rindex('<li class="queue-item', 0, link):queue.index("</li>", link)]
    assert SPANISH in card


def test_the_language_filter_is_kept_in_links_and_exports(console):
    _, _, client = console
    listing = client.get("/staff/conversations?language=es&channel=telegram").text
    assert 'href="/staff/conversation?id=es-telegram&amp;channel=telegram&amp;language=es"' in listing
    assert "/staff/conversations/export.csv?channel=telegram&amp;language=es" in listing
    # The transcript's previous/next stay within the filter; its way back keeps it.
    page = client.get("/staff/conversation?id=en-then-es&language=es").text
    assert 'href="/staff/conversations?language=es"' in page
    assert 'id=es-telegram&amp;language=es" rel="prev"' in page  # newer, skipping English ones
    assert 'id=es-new-session&amp;language=es" rel="next"' in page
    exported = client.get("/staff/conversations/export.csv?language=es").text
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {row["conversation"] for row in rows} == SPANISH_IDS
    assert {row["language"] for row in rows} == {"es"}
    as_json = client.get("/staff/conversations/export.json?language=en").json()
    assert {c["conversation"]: c["language"] for c in as_json} == dict.fromkeys(ENGLISH_IDS, "en")


@pytest.mark.parametrize("value", ["fr", "Spanish", "es'; DROP TABLE events; --"])
def test_an_unknown_language_gets_a_clear_400(console, value):
    _, _, client = console
    response = client.get("/staff/conversations?" + urlencode({"language": value}))
    assert response.status_code == 400 and "The language filter must be en, es or empty." in response.text


def test_analytics_count_conversations_per_language_in_the_period(console):
    _, _, client = console
    first = dt.datetime.fromtimestamp(NOW - 40 * DAY, tz=dt.timezone.utc).date().isoformat()
    last = dt.datetime.fromtimestamp(NOW + DAY, tz=dt.timezone.utc).date().isoformat()
    page = client.get(f"/staff/analytics?from={first}&to={last}").text
    assert "Conversations per language" in page
    assert analytics_row(page, "Spanish") == len(SPANISH_IDS - {"es-old"})  # es-old started before
    assert analytics_row(page, "English") == len(ENGLISH_IDS)
    # A day with one conversation, Spanish: English is counted as none.
    day = dt.datetime.fromtimestamp(NOW - 60 * DAY, tz=dt.timezone.utc).date().isoformat()
    page = client.get(f"/staff/analytics?from={day}&to={day}").text
    assert analytics_row(page, "Spanish") == 1 and analytics_row(page, "English") == 0
    empty = client.get("/staff/analytics?from=2001-01-01&to=2001-01-31").text
    section = re.search(r"Conversations per language</figcaption>.*?</figure>", empty, re.S).group(0)
    assert "Nothing to show for this period." in section


def test_a_conversation_that_changes_language_moves_to_the_other_filter(console):
    _, url, client = console
    ev.store(url, [ev.Conversation("switching", time.time() - 120).add(
        *ev.session_start(), *said("I lost my job", "ask_job_search", "en"), ev.bot("I'm sorry."))])
    assert "switching" in ids(client, {"language": "en"})
    # The person writes again, in Spanish: the next page the console serves knows.
    ev.store(url, [ev.Conversation("switching", time.time() - 60).add(
        *said("perdí mi trabajo, qué hago", "ask_job_search", "es"), ev.bot("Lo siento."))])
    assert "switching" in ids(client, {"language": "es"})
    assert "switching" not in ids(client, {"language": "en"})
    assert f"<dt>Language</dt><dd>{SPANISH}</dd>" in client.get("/staff/conversation?id=switching").text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_conversations_summarised_before_languages_were_kept_get_theirs(backend, tmp_path):
    """A console upgraded from before migration 5: the web app fills in the language of every
    conversation already summarised as it starts, from the slot events already stored."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if backend == "postgresql" else sqlite_url(data_dir)
        ev.store(url, [conversation("old-es", 1, *said("hola", "greet", "es"), ev.bot("¡Hola!")),
                       conversation("old-switched", 2, *said("hola", "greet", "es"),
                                    *said("in english please", "switch_language", "en")),
                       conversation("old-none", 3, *said("60614", "inform"))])
        db = Database(url)
        stack.callback(db.dispose)
        migrations.migrate(db)
        SummarySync(db).run()
        with db.transaction() as connection:  # as the console before migration 5 left them
            for statement in ("DROP INDEX console_conversations_language",
                              "ALTER TABLE console_conversations DROP COLUMN language",
                              "DELETE FROM console_schema_version WHERE version = 5"):
                connection.execute(sa.text(statement))
        env = console_env(data_dir, url if backend == "postgresql" else None)
        create_staff(env)
        server = start_staff_web_app(env, tmp_path / "logs")  # migrates as it starts, as after an upgrade
        stack.callback(server.stop)
        client = signed_in(server.url, COUNSELOR)
        assert ids(client, {"language": "es"}) == ["old-es"]
        assert ids(client, {"language": "en"}) == ["old-switched", "old-none"]
        with db.transaction() as connection:
            stored = dict(connection.execute(sa.text("SELECT sender_id, language FROM console_conversations")).all())
        assert stored == {"old-es": "es", "old-switched": "en", "old-none": None}


def test_conversations_held_with_the_assistant_show_the_language_it_answered_in(assistant, tmp_path):
    """The running bot (SQLite tracker store) and the console on its database."""
    spanish, english = ("bot-es-" + uuid.uuid4().hex[:8]), ("bot-en-" + uuid.uuid4().hex[:8])
    for text in ("hola, estoy buscando trabajo", "no tengo carro para llegar al trabajo"):
        assistant.send(spanish, text)
    assistant.send(english, "hi, I'm looking for a job")
    slots = assistant.tracker(rest_conversation(spanish))["slots"]
    assert slots["language"] == "es", slots["language"]
    env = console_env(assistant.data_dir, extra={"STAFF_TIMEZONE": "UTC"})
    create_staff(env)
    with contextlib.ExitStack() as stack:
        web = start_staff_web_app(env, tmp_path / "logs")
        stack.callback(web.stop)
        client = signed_in(web.url, COUNSELOR)
        in_spanish = ids(client, {"language": "es", "channel": "rest"})
        assert quote(rest_conversation(spanish)) in in_spanish
        assert quote(rest_conversation(english)) not in in_spanish
        assert quote(rest_conversation(english)) in ids(client, {"language": "en", "channel": "rest"})
        page = client.get("/staff/conversation?" + urlencode({"id": rest_conversation(spanish)})).text
        assert f"<dt>Language</dt><dd>{SPANISH}</dd>" in page
        today = dt.datetime.now(tz=dt.timezone.utc).date().isoformat()
        assert analytics_row(client.get(f"/staff/analytics?from={today}&to={today}").text, "Spanish") >= 1
