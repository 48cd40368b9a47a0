"""The console's pages: sign-in, follow-up queue, conversation list, transcript, staff work,
exports and analytics. Admin-only pages are in admin.py."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from itertools import islice
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json as json_response, redirect

from careerbot.console import accounts, alerts, audit, casework, languages, privacy, queries
from careerbot.console.filters import ConversationFilter, FilterError, local_zone
from careerbot.web.security import client_address
from careerbot.web.staff import charts
from careerbot.web.staff.rendering import iso_time, render, render_markup
from careerbot.web.staff.runtime import StaffRuntime
from careerbot.web.staff.security import (
    LOGIN_COOKIE, LOGIN_PATH, PUBLIC_ROUTES, SAFE_METHODS, SESSION_COOKIE, delete_cookie, new_login_token,
    refuse_anonymous, refuse_csrf, route_name, safe_next, set_cookie,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The route console pages poll for updates (static/live.js); it does not count as activity.
LIVE_UPDATES_ROUTE = "queue_live"

blueprint = Blueprint("staff", url_prefix="/staff")
blueprint.static("/static", str(STATIC_DIR), name="static")

# Confirmations shown after a form was saved (fixed texts, so a link cannot put words on the page).
NOTICES = {
    "reviewed": "Marked as reviewed.", "unreviewed": "Marked as not reviewed.",
    "handled": "Marked as handled and taken off the follow-up queue.", "tagged": "Tag added.",
    "untagged": "Tag removed.", "noted": "Note added.",
    "revealed": "Personal details are shown for this conversation until you sign out.",
    "deleted": "Everything about that sender was deleted.",
}


def staff(request: Request) -> StaffRuntime:
    return request.app.ctx.staff


def page(request: Request, template: str, status: int = 200, **context) -> HTTPResponse:
    """Render a console page with the signed-in user, CSRF token and notice filled in."""
    context.setdefault("notice", NOTICES.get(request.args.get("notice", ""), ""))
    return render(template, status=status, user=request.ctx.user, csrf_token=request.ctx.csrf_token,
                  pending_follow_ups=getattr(request.ctx, "pending_follow_ups", 0), **context)


def bad_request(request: Request, message: str, status: int = 400) -> HTTPResponse:
    return page(request, "error.html", status=status, title="That did not work", message=message)


# --- lifecycle and per-request checks ------------------------------------------------------------

@blueprint.listener("before_server_start")
async def start_console(app, _loop):
    app.ctx.staff = StaffRuntime(app.ctx.alert_settings)
    app.ctx.staff_tasks = [app.add_task(app.ctx.staff.keep_summaries_current()),
                           app.add_task(app.ctx.staff.alerts.run())]


@blueprint.listener("before_server_stop")
async def stop_console(app, _loop):
    for task in getattr(app.ctx, "staff_tasks", ()):
        if task is not None:
            task.cancel()
    app.ctx.staff.close()


@blueprint.on_request
async def require_sign_in(request: Request):
    request.ctx.user = None
    request.ctx.session = None
    request.ctx.csrf_token = ""
    name = route_name(request)
    if name == "static":
        return None
    runtime = staff(request)
    token = request.cookies.get(SESSION_COOKIE)
    session = (await runtime.run(accounts.load_session, runtime.db, token, name != LIVE_UPDATES_ROUTE)
               if token else None)
    if session is not None:
        request.ctx.session, request.ctx.user, request.ctx.csrf_token = session, session.user, session.csrf_token
    if name in PUBLIC_ROUTES:
        return None
    if session is None:
        return refuse_anonymous(request)
    if request.method not in SAFE_METHODS and not accounts.csrf_matches(session, request.form.get("csrf_token")):
        return refuse_csrf(request)
    if request.method in SAFE_METHODS:
        # New events are summarised before the page reads the summaries, so staff see every message.
        await runtime.refresh_summaries()
        request.ctx.pending_follow_ups = await runtime.run(queries.pending_follow_up_count, runtime.db)
    return None


@blueprint.on_response
async def no_caching(request: Request, response: HTTPResponse):
    # Console pages hold personal data: keep them out of browser and proxy caches.
    if route_name(request) != "static":
        response.headers["Cache-Control"] = "no-store"


# --- signing in and out --------------------------------------------------------------------------

def _login_form(request: Request, status: int = 200, error: str = "", username: str = "") -> HTTPResponse:
    token = new_login_token()
    requested = request.form.get("next") if request.method == "POST" else request.args.get("next")
    response = render("login.html", status=status, error=error, username=username, login_token=token,
                      next=safe_next(requested))
    set_cookie(request, response, LOGIN_COOKIE, token, path=LOGIN_PATH)
    return response


@blueprint.get("/login")
async def login_page(request: Request):
    if request.ctx.user is not None:
        return redirect(safe_next(request.args.get("next")))
    return _login_form(request)


@blueprint.post("/login")
async def login_submit(request: Request):
    runtime = staff(request)
    form = request.form
    submitted, expected = form.get("login_token", ""), request.cookies.get(LOGIN_COOKIE, "")
    if not accounts.tokens_match(expected, submitted):
        return _login_form(request, 403, "The sign-in form expired. Please try again.")
    username = (form.get("username") or "").strip()
    password = form.get("password") or ""
    if not username or not password:
        return _login_form(request, 400, "Enter your username and password.", username)
    address = client_address(request)
    try:
        user = await runtime.run(accounts.authenticate, runtime.db, username, password, address)
    except accounts.TooManyAttempts:
        minutes = accounts.FAILURE_WINDOW_SECONDS // 60
        return _login_form(request, 429, f"Too many failed sign-in attempts. Wait {minutes} minutes, "
                                         f"then try again, or ask an admin to reset your password.", username)
    if user is None:
        return _login_form(request, 401, "That username and password do not match.", username)
    token = await runtime.run(accounts.start_session, runtime.db, user)
    await runtime.run(audit.record, runtime.db, user.username, "login")
    response = redirect(safe_next(form.get("next")), status=303)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=accounts.SESSION_LIFETIME_SECONDS)
    delete_cookie(request, response, LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@blueprint.post("/logout")
async def logout(request: Request):
    runtime = staff(request)
    await runtime.run(accounts.end_session, runtime.db, request.ctx.session.token_hash)
    await runtime.run(audit.record, runtime.db, request.ctx.user.username, "logout")
    response = redirect(LOGIN_PATH, status=303)
    delete_cookie(request, response, SESSION_COOKIE)
    return response


# --- follow-up queue and conversation list -------------------------------------------------------

@blueprint.get("/")
async def home(request: Request):
    return redirect("/staff/queue")


def _queue_list(request: Request, rows: list, show_handled: bool) -> tuple:
    """The queue's list as HTML, and a fingerprint that changes whenever the HTML does."""
    markup = render_markup("queue_list.html", rows=rows, show_handled=show_handled,
                           csrf_token=request.ctx.csrf_token)
    return markup, hashlib.sha256(markup.encode()).hexdigest()[:32]


async def _audit_queue_view(request: Request, show_handled: bool, rows: list, live: bool = False) -> None:
    # The queue shows the contact details people left so that staff can call them back: a view.
    detail = {"handled": show_handled, "conversations": len(rows), **({"live": True} if live else {})}
    runtime = staff(request)
    await runtime.run(audit.record, runtime.db, request.ctx.user.username, "view", "follow-up queue", detail)


@blueprint.get("/queue")
async def follow_up_queue(request: Request):
    runtime = staff(request)
    show_handled = request.args.get("show") == "handled"
    rows = await runtime.run(queries.follow_up_queue, runtime.db, show_handled)
    await _audit_queue_view(request, show_handled, rows)
    markup, fingerprint = _queue_list(request, rows, show_handled)
    return page(request, "queue.html", list_markup=markup, list_fingerprint=fingerprint,
                show_handled=show_handled, active="queue")


@blueprint.get("/queue/live")
async def queue_live(request: Request):
    """What open console pages poll to stay current: how many wait (the badge) and, for the queue
    page (`list` = the fingerprint of the list it shows), the list's HTML when it changed."""
    update = {"pending": request.ctx.pending_follow_ups}
    shown = request.args.get("list")
    if shown is not None:
        runtime = staff(request)
        rows = await runtime.run(queries.follow_up_queue, runtime.db)
        markup, update["list"] = _queue_list(request, rows, show_handled=False)
        if update["list"] != shown:
            update["html"] = str(markup)
            await _audit_queue_view(request, False, rows, live=True)
    return json_response(update)


@blueprint.get("/alerts/<alert_id>")
async def alert_link(request: Request, alert_id: str):
    """Where a crisis alert's link leads, after sign-in: the transcript, at the flagging message."""
    runtime = staff(request)
    target = await runtime.run(alerts.transcript_target, runtime.db, alert_id)
    if target is None:
        return bad_request(request, "There is no alert with that id (its conversation may have been deleted).", 404)
    sender_id, event_id = target
    await runtime.run(audit.record, runtime.db, request.ctx.user.username, "view", sender_id, {"alert": alert_id})
    anchor = f"#event-{event_id}" if event_id else ""
    return redirect(f"/staff/conversation?{urlencode({'id': sender_id})}{anchor}")


def _filter_from(request: Request) -> ConversationFilter:
    return ConversationFilter.from_args({key: request.args.get(key) for key in request.args})


@blueprint.get("/conversations")
async def conversation_list(request: Request):
    runtime = staff(request)
    try:
        flt = _filter_from(request)
        page_number = int(request.args.get("page") or 1)
    except FilterError as error:
        return bad_request(request, str(error))
    except ValueError:
        return bad_request(request, "The page number must be a whole number.")
    result = await runtime.run(queries.list_conversations, runtime.db, flt, page_number)
    facets = await runtime.run(queries.facet_values, runtime.db)
    backlog = await runtime.run(runtime.summaries.backlog)
    return page(request, "list.html", flt=flt, result=result, facets=facets, backlog=backlog,
                active="conversations")


# --- exports -------------------------------------------------------------------------------------

EXPORT_COLUMNS = ("conversation", "channel", "language", "started", "last_activity", "intents", "barriers",
                  "referral_categories", "referrals_shown", "fallback", "handoff_requested", "crisis_flag",
                  "reviewed", "tags", "message_time", "speaker", "text", "intent", "confidence")


def _spreadsheet_safe(value) -> str:
    """Cells starting with = + - @ run as formulas in spreadsheet programs; keep them text."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_rows(conversation: dict) -> Iterator[list]:
    head = [conversation["conversation"], conversation["channel"], conversation["language"],
            iso_time(conversation["started"]),
            iso_time(conversation["last_activity"]), " ".join(conversation["intents"]),
            " ".join(conversation["barriers"]), " ".join(conversation["referral_categories"]),
            conversation["referrals_shown"], conversation["fallback"], conversation["handoff_requested"],
            conversation["crisis_flag"], conversation["reviewed"], " ".join(conversation["tags"])]
    for message in conversation["messages"]:
        yield [_spreadsheet_safe(v) for v in head + [iso_time(message["time"]), message["speaker"],
                                                     message["text"], message["intent"] or "",
                                                     message["confidence"] if message["confidence"] is not None else ""]]


@blueprint.get("/conversations/export.csv")
async def export_csv(request: Request):
    return await _export(request, "csv")


@blueprint.get("/conversations/export.json")
async def export_json(request: Request):
    return await _export(request, "json")


async def _export(request: Request, fmt: str):
    """Stream the filtered conversations, redacted, without holding them all in memory."""
    runtime = staff(request)
    try:
        flt = _filter_from(request)
    except FilterError as error:
        return bad_request(request, str(error))
    await runtime.run(audit.record, runtime.db, request.ctx.user.username, "export", None,
                      {"format": fmt, "filter": flt.describe(), "redacted": True})
    stamp = dt.datetime.now(tz=local_zone()).strftime("%Y%m%d-%H%M")
    response = await request.respond(
        content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
        headers={"Content-Disposition": f'attachment; filename="conversations-{stamp}.{fmt}"',
                 "Cache-Control": "no-store"})
    conversations = queries.export_conversations(runtime.db, flt)
    first = True
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow(EXPORT_COLUMNS)
        await response.send(buffer.getvalue())
    else:
        await response.send("[")
    while True:
        chunk = await runtime.run(lambda: list(islice(conversations, queries.EXPORT_CHUNK)))
        if not chunk:
            break
        buffer = io.StringIO()
        if fmt == "csv":
            writer = csv.writer(buffer)
            for conversation in chunk:
                writer.writerows(_csv_rows(conversation))
        else:
            for conversation in chunk:
                buffer.write(("\n" if first else ",\n") + json.dumps(conversation, ensure_ascii=False))
                first = False
        await response.send(buffer.getvalue())
    if fmt == "json":
        await response.send("\n]\n")
    await response.eof()
    return None


# --- transcript and staff work -------------------------------------------------------------------

@blueprint.get("/conversation")
async def conversation(request: Request):
    runtime = staff(request)
    sender_id = request.args.get("id") or ""
    try:
        flt = _filter_from(request)
    except FilterError as error:
        return bad_request(request, str(error))
    summary = await runtime.run(queries.conversation_summary, runtime.db, sender_id)
    if summary is None:
        return bad_request(request, "There is no conversation with that id (it may have been deleted).", 404)
    revealed = await runtime.run(privacy.is_revealed, runtime.db, request.ctx.session.token_hash, sender_id)
    items = await runtime.run(queries.transcript, runtime.db, sender_id, revealed)
    around = await runtime.run(queries.neighbours, runtime.db, flt, sender_id, summary["last_time"])
    username = request.ctx.user.username
    await runtime.run(audit.record, runtime.db, username, "view", sender_id,
                      {"revealed": revealed} if revealed else None)
    # The phone number or e-mail left for a call back is shown to whoever opens the case while the
    # follow-up waits (the queue only says one was left), and each showing is audited.
    contact = summary.pop("contact_detail")
    callback = None
    if contact and summary["followup_pending"]:
        callback = {"name": summary["contact_name"], "detail": contact, "kind": queries.contact_kind(contact)}
        await runtime.run(audit.record, runtime.db, username, "show_contact", sender_id,
                          {"contact": callback["kind"]})
    return page(request, "transcript.html", summary=summary, items=items, flt=flt, around=around,
                revealed=revealed, callback=callback, active="conversations")


def _back_to(request: Request, sender_id: str, notice: str, anchor: str = "") -> HTTPResponse:
    query = urlencode({"id": sender_id, "notice": notice})
    back = request.form.get("filter") or ""
    return redirect(f"/staff/conversation?{query}{'&' + back if back else ''}{anchor}", status=303)


async def _casework(request: Request, action, *args, notice: str, anchor: str = "") -> HTTPResponse:
    runtime = staff(request)
    sender_id = request.form.get("sender_id") or ""
    try:
        await runtime.run(action, runtime.db, sender_id, *args, request.ctx.user.username)
    except casework.CaseworkError as error:
        return bad_request(request, str(error))
    except LookupError:
        return bad_request(request, "There is no conversation with that id (it may have been deleted).", 404)
    if request.form.get("return") == "queue":
        return redirect(f"/staff/queue?notice={notice}", status=303)
    return _back_to(request, sender_id, notice, anchor)


@blueprint.post("/conversation/review")
async def review(request: Request):
    reviewed = request.form.get("reviewed") == "yes"
    return await _casework(request, casework.set_reviewed, reviewed,
                           notice="reviewed" if reviewed else "unreviewed")


@blueprint.post("/conversation/handled")
async def handled(request: Request):
    return await _casework(request, casework.mark_handled, notice="handled")


@blueprint.post("/conversation/tags")
async def add_tag(request: Request):
    return await _casework(request, casework.add_tag, request.form.get("tag") or "", notice="tagged",
                           anchor="#tags")


@blueprint.post("/conversation/tags/remove")
async def remove_tag(request: Request):
    return await _casework(request, casework.remove_tag, request.form.get("tag") or "", notice="untagged",
                           anchor="#tags")


@blueprint.post("/conversation/notes")
async def add_note(request: Request):
    return await _casework(request, casework.add_note, request.form.get("body") or "", notice="noted",
                           anchor="#notes")


# --- analytics -----------------------------------------------------------------------------------

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366


@blueprint.get("/analytics")
async def analytics(request: Request):
    runtime = staff(request)
    today = dt.datetime.now(tz=local_zone()).date()
    try:
        flt = ConversationFilter.from_args({"date_from": request.args.get("from"),
                                            "date_to": request.args.get("to")})
    except FilterError as error:
        return bad_request(request, str(error))
    last_day = flt.date_to or today
    first_day = flt.date_from or last_day - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first_day > last_day:
        return bad_request(request, "The From date is after the To date.")
    if (last_day - first_day).days >= MAX_PERIOD_DAYS:
        return bad_request(request, f"Choose a period of at most {MAX_PERIOD_DAYS} days.")
    figures = await runtime.run(queries.analytics, runtime.db, first_day, last_day)
    day_labels = [day.strftime("%b %d") for day in figures.days]
    week_labels = [week.strftime("%b %d") for week in figures.weeks]
    chart_list = [
        charts.column_chart("Conversations per day", "Day", day_labels, [figures.conversations_per_day],
                            ["Conversations"], label_every=max(1, len(day_labels) // 10)),
        charts.bar_chart("Conversations per language", "Language",
                         [(languages.label(code).name, count) for code, count in figures.conversations_per_language]
                         if figures.conversations else []),
        charts.bar_chart("Top intents (user messages)", "Intent", figures.top_intents),
        charts.column_chart("Fallback rate per week (% of conversations with a fallback)", "Week of", week_labels,
                            [figures.fallback_rate_per_week], ["Fallback rate %"],
                            label_every=max(1, len(week_labels) // 10)),
        charts.column_chart("Handoff requests and crisis flags per week (weeks start on Monday)",
                            "Week of", week_labels, [figures.handoffs_per_week, figures.crises_per_week],
                            ["Handoff requests", "Crisis flags"], label_every=max(1, len(week_labels) // 10)),
        charts.bar_chart("Barriers named (conversations)", "Barrier", figures.barriers),
        charts.bar_chart("Referrals shown, by category (conversations)", "Category", figures.referral_categories),
    ]
    return page(request, "analytics.html", figures=figures, charts=chart_list, first_day=first_day,
                last_day=last_day, active="analytics")
