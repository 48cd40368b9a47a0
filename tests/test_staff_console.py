"""The staff console over HTTP on SQLite and on PostgreSQL: follow-up queue, list and filters,
transcripts, staff work, exports, analytics, privacy (redaction, reveal, per-sender requests,
purge) and the audit log.

Conversations are written into Rasa's events table in the shape Rasa writes them
(tests/support/rasa_events.py); the real web app summarises them as it would for the running bot.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import re
import time
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa

from careerbot.console import migrations
from careerbot.console.db import Database
from careerbot.console.filters import ConversationFilter
from careerbot.console.queries import list_conversations
from careerbot.console.summaries import SummarySync
from tests.support import rasa_events as ev
from tests.support.staff import (
    ADMIN, COUNSELOR, console_env, create_staff, postgres_database, run_console_cli, seeded_console, signed_in,
    sqlite_url, start_staff_web_app, timeline,
)

NOW = time.time()
DAY = 86400
PHONE, EMAIL, STREET = "217-555-0134", "alice@example.com", "45 Oak Avenue Apt 2"
# A service the assistant listed: its number and address are public, unlike the person's.
LISTED_PHONE, LISTED_ADDRESS = "217-555-0104", "75 Placeholder Road, Springfield, IL 62704"
# Forms the first redaction patterns showed as typed (issue 22).
UNUSUAL_FORMS = {"2 1 7 5 5 5 0 1 9 9": "[phone]", "+44 7700 900123": "[phone]",
                 "jane dot doe at gmail dot com": "[email]", "457-55-5462": "[ssn]", "1234 Elm": "[address]"}
SLACK_CONVERSATIONS = 55


def _handoff():
    return ev.Conversation("handoff-1", NOW - 3 * DAY).add(
        *ev.session_start(),
        ev.user("hi", "greet", 0.99),
        ev.action("utter_greet"),
        ev.bot("Hi! I'm a career assistant.", [{"title": "Jobs vs careers", "payload": "/ask_job_vs_career"},
                                               {"title": "Find local help", "payload": "/find_resource"}],
               "utter_greet"),
        ev.user("I don't have a car", "share_barrier", 0.91, [{"entity": "barrier", "value": "transportation",
                                                               "start": 15, "end": 18, "extractor": "DIETClassifier"}]),
        ev.slot("barrier", "transportation"),
        ev.action("action_barrier_advice"),
        ev.bot("Transportation can make work hard to reach."),
        ev.slot("referrals_shown", [{"id": "r-ride", "name": "Ride Share Program",
                                     "category": "transportation_assistance"}]),
        ev.bot(f"Ride Share Program — Transportation assistance\n{LISTED_ADDRESS} · 0.6 miles\n"
               f"{LISTED_PHONE} · Mon–Fri 8 am–5 pm (open now)", response="action_find_resources"),
        ev.user(f"can I talk to a person? I'm at {STREET}, mail {EMAIL}", "request_human", 0.97),
        ev.action("handoff_form"),
        ev.bot("What name should the counselor use for you?"),
        # The form takes a name the classifier could not place: not a fallback.
        ev.user("Alice Smith", "nlu_fallback", 0.7),
        ev.slot("contact_name", "Alice Smith"),
        ev.action("handoff_form"),
        ev.user(PHONE, "inform", 0.99),
        ev.slot("contact_detail", PHONE),
        ev.slot("handoff_requested", True),
        ev.bot(f"Thank you, Alice Smith. A counselor will contact you at {PHONE}."),
    )


def _seed():
    conversations = [
        _handoff(),
        ev.Conversation("crisis-1", NOW - 2 * DAY).add(
            *ev.session_start(), ev.user("I want to kill myself", "crisis", 1.0, channel="socketio"),
            ev.slot("crisis_flag", True), ev.action("utter_crisis"), ev.bot("Call or text 988, any time.")),
        ev.Conversation("fallback-1", NOW - 1 * DAY).add(
            *ev.session_start(), ev.user("qwerty zxcv", "nlu_fallback", 0.31, channel="telegram"),
            ev.action("action_default_fallback"), ev.bot("Sorry, I didn't get that.")),
        ev.Conversation("carryover-1", NOW - 4 * DAY).add(
            *ev.session_start(), ev.user("everything feels hopeless", "crisis", 0.95, channel="socketio"),
            ev.slot("crisis_flag", True), ev.bot("Call or text 988, any time.")),
        ev.Conversation("formula-1", NOW - 5 * DAY).add(
            *ev.session_start(), ev.user("=HYPERLINK(\"http://evil.example\")", "out_of_scope", 0.4)),
        ev.Conversation("request-1", NOW - 6 * DAY).add(
            *ev.session_start(), ev.user(f"my number is {PHONE}", "inform", 0.9),
            ev.bot("Thanks, noted.")),
        ev.Conversation("forms-1", NOW - 6.5 * DAY).add(
            *ev.session_start(),
            ev.user("my ssn is 457-55-5462, call 2 1 7 5 5 5 0 1 9 9 or +44 7700 900123, or write to jane dot doe at "
                    "gmail dot com. I live at 1234 Elm", "inform", 0.6),
            ev.bot("I don't know a place called 1234 Elm.")),
    ]
    for number in range(SLACK_CONVERSATIONS):
        conversations.append(ev.Conversation(f"slack-{number:02d}", NOW - 7 * DAY - number * 3600).add(
            *ev.session_start(), ev.user("I can't afford childcare", "share_barrier", 0.88, channel="slack"),
            ev.slot("barrier", "childcare"), ev.bot("Childcare assistance may help.")))
    return conversations


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request, tmp_path_factory):
    """The real web app over a seeded tracker database, per database kind."""
    work = tmp_path_factory.mktemp(f"staff-console-{request.param}")
    with seeded_console(request.param, work, _seed()) as (base_url, url, env):
        yield Console(base_url, url, env)


class Console:
    def __init__(self, base_url, database_url, env):
        self.base_url, self.database_url, self.env = base_url, database_url, env
        self.counselor = signed_in(base_url, COUNSELOR)
        self.admin = signed_in(base_url, ADMIN)

    def ids(self, query: dict, client=None) -> list:
        """Conversation ids on a list page, in page order."""
        response = (client or self.counselor).get("/staff/conversations?" + urlencode(query))
        assert response.status_code == 200, response.text
        return re.findall(r'href="/staff/conversation\?id=([^"&]+)', response.text)

    def sql(self, statement: str, **params):
        engine = sa.create_engine(self.database_url)
        try:
            with engine.begin() as connection:
                result = connection.execute(sa.text(statement), params)
                return result.fetchall() if result.returns_rows else None
        finally:
            engine.dispose()

    def append(self, conversation: ev.Conversation) -> None:
        """New events for a sender, as Rasa appends them when the person writes again."""
        ev.store(self.database_url, [conversation])


def special(ids):
    return {i for i in ids if not i.startswith("slack-")}


def test_list_is_newest_first_paginated_with_counts(console):
    page_one = console.counselor.get("/staff/conversations?channel=slack")
    assert f"of <strong>{SLACK_CONVERSATIONS}</strong> conversations" in page_one.text
    ids = console.ids({"channel": "slack"})
    assert len(ids) == 50 and ids[0] == "slack-00" and ids[-1] == "slack-49"  # newest first
    assert console.ids({"channel": "slack", "page": 2}) == [f"slack-{n}" for n in range(50, 55)]
    assert console.ids({})[:3] == ["fallback-1", "crisis-1", "handoff-1"]


@pytest.mark.parametrize("query, expected", [
    ({"crisis": "yes"}, {"crisis-1", "carryover-1"}),
    ({"handoff": "yes"}, {"handoff-1"}),
    ({"fallback": "yes"}, {"fallback-1"}),
    ({"referral": "yes"}, {"handoff-1"}),
    ({"intent": "request_human"}, {"handoff-1"}),
    ({"barrier": "transportation"}, {"handoff-1"}),
    ({"channel": "telegram"}, {"fallback-1"}),
    ({"q": "car"}, {"handoff-1"}),
    ({"q": "Kill Myself"}, {"crisis-1"}),
    ({"channel": "socketio", "crisis": "yes", "q": "hopeless"}, {"carryover-1"}),
])
def test_filters_find_the_matching_conversations(console, query, expected):
    assert special(console.ids(query)) == expected


def test_date_range_filter(console):
    day = dt.datetime.fromtimestamp(NOW - 2 * DAY, tz=dt.timezone.utc).date().isoformat()
    assert special(console.ids({"date_from": day, "date_to": day})) == {"crisis-1"}
    week_ago = dt.datetime.fromtimestamp(NOW - 7 * DAY - 12 * 3600, tz=dt.timezone.utc).date().isoformat()
    assert console.ids({"date_to": week_ago, "channel": "socketio"}) == []


def test_sql_and_search_metacharacters_in_filters_are_harmless(console):
    events_before = console.sql("SELECT COUNT(*) FROM events")[0][0]
    payloads = ["'; DROP TABLE events; --", "x' OR '1'='1", '" OR 1=1 --', "car*", "NEAR(car hi)",
                "\\'; SELECT pg_sleep(5); --", "%_%", "car) OR (1=1"]
    for payload in payloads:
        for field in ("q", "intent", "channel", "barrier", "tag"):
            started = time.monotonic()
            response = console.counselor.get("/staff/conversations?" + urlencode({field: payload}))
            assert response.status_code in (200, 400), (field, payload, response.status_code)
            assert time.monotonic() - started < 4
            ids = re.findall(r'href="/staff/conversation\?id=([^"&]+)', response.text)
            if field != "q":
                assert ids == [], (field, payload)
    # "car*" and "car) OR (1=1" are searched as plain words: "car" matches, nothing else does.
    assert special(console.ids({"q": "car*"})) == {"handoff-1"}
    assert console.sql("SELECT COUNT(*) FROM events")[0][0] == events_before


@pytest.mark.parametrize("query, message", [
    ({"date_from": "yesterday"}, "From must be a date like 2024-05-31."),
    ({"crisis": "maybe"}, "The crisis filter must be yes, no or empty."),
    ({"q": "!!!"}, "Type at least one word or number to search for."),
    ({"date_from": "2024-05-02", "date_to": "2024-05-01"}, "The From date is after the To date."),
    ({"page": "two"}, "The page number must be a whole number."),
    ({"date_from": "2026-13-45"}, "From must be a date like 2024-05-31."),
    ({"date_to": "9999-12-31"}, "To must be a date from 2000-01-01 to 2099-12-31."),
    ({"date_from": "0001-01-01"}, "From must be a date from 2000-01-01 to 2099-12-31."),
])
def test_bad_filter_values_get_a_clear_400(console, query, message):
    response = console.counselor.get("/staff/conversations?" + urlencode(query))
    assert response.status_code == 400
    assert message in response.text


@pytest.mark.parametrize("path", ["/staff/conversations/export.csv?date_to=9999-12-31",
                                  "/staff/conversation?id=crisis-1&date_to=9999-12-31",
                                  "/staff/analytics?to=9999-12-31",
                                  "/staff/analytics?to=0001-01-01",
                                  "/staff/analytics?from=9999-12-01&to=9999-12-31"])
def test_dates_out_of_range_get_a_clear_400_on_every_page(console, path):
    response = console.counselor.get(path)
    assert response.status_code == 400 and "must be a date from 2000-01-01 to 2099-12-31" in response.text


def test_transcript_shows_messages_nlu_actions_slots_and_referrals_redacted(console):
    page = console.counselor.get("/staff/conversation?id=handoff-1").text
    for expected in ("I don&#39;t have a car", "intent: share_barrier", "confidence 0.91",
                     "barrier = transportation", "Jobs vs careers", "Find local help", "action_barrier_advice",
                     "<code>barrier</code>", "Ride Share Program", "transportation_assistance", "rest",
                     "handoff_requested", "Handoff", "1 referral"):
        assert expected in page, expected
    events = timeline(page)
    for secret in (PHONE, EMAIL, STREET, "45 Oak"):
        assert secret not in events, secret
    assert "[phone]" in events and "[email]" in events and "[address]" in events
    # The assistant read the phone number back: that is redacted; the service it listed is not.
    assert "A counselor will contact you at [phone]." in events
    assert LISTED_PHONE in events and LISTED_ADDRESS in events
    # Previous/next conversation in list order (newest first): crisis-1 is newer, carryover-1 older.
    assert 'href="/staff/conversation?id=crisis-1"' in page and 'href="/staff/conversation?id=carryover-1"' in page
    filtered = console.counselor.get("/staff/conversation?id=crisis-1&crisis=yes").text
    assert "id=carryover-1&amp;crisis=yes" in filtered and "Newer conversation</span>" in filtered


def test_lists_and_exports_are_redacted(console):
    listing = console.counselor.get("/staff/conversations?q=number").text
    assert PHONE not in listing and "my number is [phone]" in listing


def test_numbers_spaced_out_international_worded_emails_ssns_and_addresses_are_redacted_everywhere(console):
    listing = console.counselor.get("/staff/conversations?intent=inform").text
    transcript = console.counselor.get("/staff/conversation?id=forms-1").text
    exported = console.counselor.get("/staff/conversations/export.json?intent=inform").text
    for page in (listing, transcript, exported):
        for typed, mark in UNUSUAL_FORMS.items():
            assert typed not in page, typed
            assert mark in page, mark
    assert "I don&#39;t know a place called [address]." in transcript  # read back by the assistant
    # A preview summarised before redaction found these forms is redacted when shown.
    console.sql("UPDATE console_conversations SET first_message = 'text me 2 1 7 5 5 5 0 1 9 9' "
                "WHERE sender_id = 'formula-1'")
    listing = console.counselor.get("/staff/conversations?intent=out_of_scope").text
    assert "text me [phone]" in listing and "2 1 7 5" not in listing


def test_follow_up_queue_oldest_first_contact_details_only_in_the_opened_case_and_handling(console):
    queue = console.counselor.get("/staff/queue").text
    order = [sender for sender in re.findall(r'conversation\?id=([^"&#]+)', queue)]
    assert order == ["carryover-1", "crisis-1", "handoff-1"]  # crises first, then oldest first
    # Everyone watching the queue sees who waits and that a number was left, not the number.
    assert "Alice Smith" in queue and "Phone number left" in queue and PHONE not in queue
    assert PHONE not in console.admin.get("/staff/queue").text
    # The counselor who opens the case gets it to call back, and the audit log says so.
    case = console.counselor.get("/staff/conversation?id=handoff-1").text
    callback = re.search(r'<section class="panel" id="callback".*?</section>', case, re.S).group(0)
    assert "Alice Smith" in callback and PHONE in callback
    shown = console.admin.get(f"/staff/audit?action=show_contact&actor={COUNSELOR[0]}").text
    assert "handoff-1" in shown and "phone number" in shown
    assert 'id="callback"' not in console.counselor.get("/staff/conversation?id=crisis-1").text  # none left
    response = console.counselor.post("/staff/conversation/handled", {"sender_id": "crisis-1", "return": "queue"})
    assert response.status_code == 303
    queue = console.counselor.get("/staff/queue").text
    assert "crisis-1" not in queue
    handled = console.counselor.get("/staff/queue?show=handled").text
    assert "crisis-1" in handled and f"by {COUNSELOR[0]}" in handled


def test_new_events_update_summaries_and_flags_reopen_handled_conversations(console):
    client = console.counselor
    assert client.post("/staff/conversation/handled", {"sender_id": "carryover-1"}).status_code == 303
    assert "carryover-1" not in client.get("/staff/queue").text
    # A new session: Rasa carries the crisis slot over; that is not a new crisis.
    later = ev.Conversation("carryover-1", time.time() - 60)
    later.add(*ev.session_start()[:2], ev.slot("crisis_flag", True), ev.action("action_listen"),
              ev.user("thanks for the help earlier", "thank", 0.97, channel="socketio"), ev.bot("You're welcome!"))
    console.append(later)
    transcript = client.get("/staff/conversation?id=carryover-1").text
    assert "thanks for the help earlier" in transcript and "2 user messages" in transcript
    assert "carryover-1" not in client.get("/staff/queue").text
    assert console.ids({"intent": "thank"}) == ["carryover-1"]  # newest activity first, new intent found
    # A new crisis message puts the conversation back in the queue.
    again = ev.Conversation("carryover-1", time.time() - 10)
    again.add(ev.user("I can't go on", "crisis", 0.99, channel="socketio"), ev.slot("crisis_flag", True))
    console.append(again)
    assert "carryover-1" in client.get("/staff/queue").text


def test_staff_mark_reviewed_tag_and_note(console):
    client = console.counselor
    sender = {"sender_id": "fallback-1"}
    assert client.post("/staff/conversation/review", dict(sender, reviewed="yes")).status_code == 303
    assert client.post("/staff/conversation/tags", dict(sender, tag="Needs Callback")).status_code == 303
    assert client.post("/staff/conversation/notes", dict(sender, body="Person typed gibberish; <b>no</b> action")
                       ).status_code == 303
    page = client.get("/staff/conversation?id=fallback-1").text
    assert "needs callback" in page and "Reviewed</span> by casey" in page
    assert "Person typed gibberish; &lt;b&gt;no&lt;/b&gt; action" in page
    assert console.ids({"tag": "needs callback"}) == ["fallback-1"]
    assert "fallback-1" in console.ids({"reviewed": "yes"})
    assert "fallback-1" not in console.ids({"reviewed": "no"})
    bad = client.post("/staff/conversation/notes", dict(sender, body="   "))
    assert bad.status_code == 400 and "The note is empty." in bad.text
    assert client.post("/staff/conversation/notes", {"sender_id": "nobody", "body": "x"}).status_code == 404
    assert client.post("/staff/conversation/tags/remove", dict(sender, tag="needs callback")).status_code == 303
    assert console.ids({"tag": "needs callback"}) == []


def test_export_csv_and_json_of_the_filtered_set_redacted(console):
    csv_response = console.counselor.get("/staff/conversations/export.csv?handoff=yes")
    assert csv_response.status_code == 200
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert {row["conversation"] for row in rows} == {"handoff-1"}
    assert [row["speaker"] for row in rows][:2] == ["user", "bot"]
    assert any(row["intent"] == "share_barrier" for row in rows)
    assert PHONE not in csv_response.text and EMAIL not in csv_response.text and "[phone]" in csv_response.text

    json_response = console.counselor.get("/staff/conversations/export.json?crisis=yes&channel=socketio")
    exported = json.loads(json_response.text)
    assert {c["conversation"] for c in exported} == {"crisis-1", "carryover-1"}
    crisis = next(c for c in exported if c["conversation"] == "crisis-1")
    assert crisis["crisis_flag"] is True and crisis["messages"][0]["text"] == "I want to kill myself"

    formula = console.counselor.get("/staff/conversations/export.csv?intent=out_of_scope").text
    cell = next(row["text"] for row in csv.DictReader(io.StringIO(formula)) if row["speaker"] == "user")
    assert cell.startswith("'=HYPERLINK")  # a spreadsheet shows it as text instead of running it


def test_admin_reveals_one_conversation_with_a_reason(console):
    missing_reason = console.admin.post("/staff/conversation/reveal", {"sender_id": "handoff-1", "reason": " "})
    assert missing_reason.status_code == 400 and "Give the reason" in missing_reason.text
    assert console.admin.post("/staff/conversation/reveal", {"sender_id": "handoff-1",
                                                             "reason": "calling back about the handoff"}
                              ).status_code == 303
    revealed = console.admin.get("/staff/conversation?id=handoff-1").text
    assert PHONE in revealed and EMAIL in revealed and STREET in revealed
    assert "shown unredacted" in revealed
    assert PHONE not in timeline(console.counselor.get("/staff/conversation?id=handoff-1").text)
    assert PHONE not in console.admin.get("/staff/conversation?id=request-1").text  # only that one
    audit = console.admin.get("/staff/audit?action=reveal").text
    assert "calling back about the handoff" in audit and "handoff-1" in audit and ADMIN[0] in audit


def test_admin_exports_and_deletes_everything_about_one_sender(console):
    sender = {"sender_id": "request-1"}
    assert console.counselor.post("/staff/conversation/notes", dict(sender, body="asked for a copy")
                                  ).status_code == 303
    exported = console.admin.post("/staff/requests/export", sender)
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    data = exported.json()
    assert data["sender_id"] == "request-1"
    assert any(event.get("text") == f"my number is {PHONE}" for event in data["events"])  # the person's own data
    assert [note["body"] for note in data["notes"]] == ["asked for a copy"]

    mismatch = console.admin.post("/staff/requests/delete", dict(sender, confirm_sender_id="request-2"))
    assert mismatch.status_code == 400 and "Type the sender id again" in mismatch.text
    assert console.admin.post("/staff/requests/delete", dict(sender, confirm_sender_id="request-1")
                              ).status_code == 303
    assert console.sql("SELECT COUNT(*) FROM events WHERE sender_id = 'request-1'")[0][0] == 0
    assert console.sql("SELECT COUNT(*) FROM console_notes WHERE sender_id = 'request-1'")[0][0] == 0
    assert console.counselor.get("/staff/conversation?id=request-1").status_code == 404
    assert "Nothing is kept" in console.admin.get("/staff/requests?sender_id=request-1").text
    audit = console.admin.get("/staff/audit").text
    assert "export_sender" in audit and "delete_sender" in audit


def test_audit_log_records_who_viewed_and_exported_what(console):
    console.counselor.get("/staff/conversation?id=crisis-1")
    console.counselor.get("/staff/conversations/export.json?fallback=yes")
    views = console.admin.get(f"/staff/audit?action=view&actor={COUNSELOR[0]}").text
    assert "crisis-1" in views
    exports = console.admin.get("/staff/audit?action=export").text
    assert "fallback=yes" in exports and "json" in exports


def test_analytics_for_a_chosen_period(console):
    first = dt.datetime.fromtimestamp(NOW - 40 * DAY, tz=dt.timezone.utc).date().isoformat()
    last = dt.datetime.fromtimestamp(NOW, tz=dt.timezone.utc).date().isoformat()
    page = console.counselor.get(f"/staff/analytics?from={first}&to={last}")
    assert page.status_code == 200
    text = page.text
    for title in ("Conversations per day", "Top intents", "Fallback rate per week", "Handoff requests and crisis "
                  "flags per week", "Barriers named", "Referrals shown, by category"):
        assert title in text
    assert "<svg" in text
    assert re.search(r"<th scope=\"row\">childcare</th><td class=\"num\">55</td>", text)
    assert re.search(r"<th scope=\"row\">transportation_assistance</th><td class=\"num\">1</td>", text)
    assert re.search(r"<th scope=\"row\">share_barrier</th><td class=\"num\">56</td>", text)
    empty = console.counselor.get("/staff/analytics?from=2001-01-01&to=2001-01-31").text
    assert '<span class="kpi-value">0</span><span class="kpi-label">conversations</span>' in empty
    too_long = console.counselor.get("/staff/analytics?from=2001-01-01&to=2003-01-31")
    assert too_long.status_code == 400 and "at most 366 days" in too_long.text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_purge_deletes_old_conversations_with_their_notes(backend, tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if backend == "postgresql" else sqlite_url(data_dir)
        old = ev.Conversation("old-1", NOW - 40 * DAY).add(*ev.session_start(), ev.user("hello", "greet"))
        recent = ev.Conversation("recent-1", NOW - 2 * DAY).add(*ev.session_start(), ev.user("hello", "greet"))
        ev.store(url, [old, recent])
        env = console_env(data_dir, url if backend == "postgresql" else None)
        assert run_console_cli(env, "sync").returncode == 0
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO console_notes (sender_id, author, body, created_at) "
                                       "VALUES ('old-1', 'casey', 'old note', 0), ('recent-1', 'casey', 'new', 0)"))
        bad = run_console_cli(env, "purge", "--days", "0")
        assert bad.returncode == 2 and "at least 1" in bad.stderr
        result = run_console_cli(env, "purge", "--days", "30")
        assert result.returncode == 0, result.stderr
        assert "Deleted 1 conversation(s)" in result.stdout
        with engine.begin() as connection:
            for table in ("events", "console_notes", "console_conversations", "console_messages"):
                left = {row[0] for row in connection.execute(sa.text(f"SELECT sender_id FROM {table}"))}
                assert left == {"recent-1"}, table
            entry = connection.execute(sa.text("SELECT actor, detail FROM console_audit WHERE action = 'purge'")).one()
            assert entry.actor.startswith("cli:") and json.loads(entry.detail) == {"conversations": 1,
                                                                                   "older_than_days": 30}
        engine.dispose()
        # Running the migrations again changes nothing.
        assert run_console_cli(env, "migrate").returncode == 0


# Details the redaction before migration 4 let through, in a message that also raises the crisis
# flag: it is the conversation's preview and its crisis card's quote too.
LET_THROUGH = "my ssn is 457-55-5462, text +44 7700 900123 or jane dot doe at gmail dot com, I feel hopeless"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_details_kept_by_an_older_redaction_are_no_longer_found_by_search(backend, tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if backend == "postgresql" else sqlite_url(data_dir)
        ev.store(url, [ev.Conversation("older-1", NOW - DAY).add(
            *ev.session_start(), ev.user(LET_THROUGH, "crisis"), ev.slot("crisis_flag", True))])
        db = Database(url)
        stack.callback(db.dispose)
        with pytest.MonkeyPatch.context() as older:  # a database without migration 4 (with the
            # columns later ones add, which today's summary sync writes)
            older.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS if m[0] != 4])
            migrations.migrate(db)
        SummarySync(db).run()
        with db.transaction() as connection:  # summarised as the older redaction left it
            for statement in ("UPDATE console_messages SET text = :t",
                              "UPDATE console_conversations SET first_message = :t, crisis_message = :t",
                              *(() if db.is_postgres else ("UPDATE console_message_search SET text = :t",))):
                connection.execute(sa.text(statement), {"t": LET_THROUGH})
        assert [row["sender_id"] for row in list_conversations(db, ConversationFilter(q="900123")).rows] == ["older-1"]

        env = console_env(data_dir, url if backend == "postgresql" else None)
        create_staff(env)
        server = start_staff_web_app(env, tmp_path / "logs")  # migrates as it starts, as after an upgrade
        stack.callback(server.stop)
        counselor = signed_in(server.url, COUNSELOR)
        for typed in ("457-55-5462", "7700 900123", "jane dot doe", "gmail"):
            assert "older-1" not in counselor.get("/staff/conversations?" + urlencode({"q": typed})).text, typed
        assert "older-1" in counselor.get("/staff/conversations?q=hopeless").text
        with db.transaction() as connection:
            stored = connection.execute(sa.text(
                "SELECT first_message, crisis_message FROM console_conversations")).one()
        redacted = "my ssn is [ssn], text [phone] or [email], I feel hopeless"
        assert tuple(stored) == (redacted, redacted)


# Conversation ids as each channel forms them now (careerbot/conversation_ids.py), and as they were
# stored before they had a channel: both kinds stay readable, each with its channel.
CONVERSATIONS_BY_CHANNEL = {
    "socketio:" + "a1" * 16: "socketio", "b2" * 16: "socketio",
    "telegram:5551234": "telegram", "5551235": "telegram",
    "slack:U0NEWUSER": "slack", "U0OLDUSER": "slack",
    "rest:visitor-1": "rest", "visitor-2": "rest",
}


def test_conversations_old_and_namespaced_are_listed_and_shown_with_their_channel(tmp_path):
    seed = [ev.Conversation(conversation, NOW - number * 60).add(
                *ev.session_start(), ev.user(f"hello on {channel}", "greet", channel=channel),
                ev.bot("Hi!"))
            for number, (conversation, channel) in enumerate(CONVERSATIONS_BY_CHANNEL.items())]
    with seeded_console("sqlite", tmp_path, seed) as (base_url, _, _):
        client = signed_in(base_url, COUNSELOR)
        listing = client.get("/staff/conversations").text
        for conversation, channel in CONVERSATIONS_BY_CHANNEL.items():
            row = re.search(r'<tr>\s*<td class="nowrap"><a href="/staff/conversation\?id='
                            + re.escape(quote(conversation)) + r'".*?</tr>', listing, re.S)
            assert row and f"<td>{channel}</td>" in row.group(0), conversation
            page = client.get("/staff/conversation?" + urlencode({"id": conversation}))
            assert page.status_code == 200, conversation
            assert f"hello on {channel}" in page.text
            assert re.search(re.escape(channel) + r"\s*·\s*started", page.text), conversation
