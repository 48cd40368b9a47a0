"""Read side of the console: lists, the follow-up queue, transcripts, analytics and exports."""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from careerbot.console import languages
from careerbot.console.db import EVENTS_TABLE, Database
from careerbot.console.filters import ConversationFilter, day_start, local_zone
from careerbot.console.redact import ConversationRedactor, redact

PAGE_SIZE = 50
SUMMARY_COLUMNS = ("sender_id, channel, first_time, last_time, message_count, bot_message_count, "
                   "first_message, barrier, handoff_requested, crisis_flag, fallback, referral_count, "
                   "contact_name, contact_detail, handoff_at, crisis_at, followup_at, followup_pending, "
                   "handled_at, handled_by, reviewed, reviewed_at, reviewed_by, crisis_event_id, crisis_message, "
                   f"{languages.sql('c')} AS language")
NEWEST_FIRST = "ORDER BY c.last_time DESC, c.sender_id DESC"


def _in(sql: str, *names: str):
    return text(sql).bindparams(*(bindparam(name, expanding=True) for name in names))


def _labels_by_sender(connection: Connection, senders: Sequence[str], kind: str) -> Dict[str, List[str]]:
    if not senders:
        return {}
    result: Dict[str, List[str]] = defaultdict(list)
    if kind == "tag":
        rows = connection.execute(_in("SELECT sender_id, tag FROM console_tags WHERE sender_id IN :s "
                                      "ORDER BY tag", "s"), {"s": list(senders)})
    else:
        rows = connection.execute(_in("SELECT sender_id, value FROM console_labels WHERE kind = :kind "
                                      "AND sender_id IN :s ORDER BY first_time, value", "s"),
                                  {"kind": kind, "s": list(senders)})
    for sender, value in rows:
        result[sender].append(value)
    return result


@dataclass
class ConversationPage:
    rows: List[dict]
    total: int
    page: int
    pages: int
    page_size: int

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.page_size + 1


def list_conversations(db: Database, flt: ConversationFilter, page: int = 1,
                       page_size: int = PAGE_SIZE) -> ConversationPage:
    """One page of conversations matching `flt`, newest first, with the total count."""
    where, params = flt.where(db)
    with db.transaction() as connection:
        total = connection.execute(text(f"SELECT COUNT(*) FROM console_conversations c WHERE {where}"),
                                   params).scalar()
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        rows = [_previews_redacted(dict(row._mapping)) for row in connection.execute(text(
            f"SELECT {SUMMARY_COLUMNS} FROM console_conversations c WHERE {where} {NEWEST_FIRST} "
            f"LIMIT :limit OFFSET :offset"), dict(params, limit=page_size, offset=(page - 1) * page_size))]
        _attach_labels(connection, rows)
    return ConversationPage(rows, total, page, pages, page_size)


def _previews_redacted(row: dict) -> dict:
    """Previews are redacted when summarised; summaries written before redaction found all it
    finds now (numbers spaced out, "jane at gmail dot com", SSNs) are redacted again here."""
    for column in ("first_message", "crisis_message"):
        row[column] = redact(row[column])
    return row


def contact_kind(detail: str) -> str:
    """What a person left for a call back, without the detail itself (the form accepts these two)."""
    return "e-mail address" if "@" in detail else "phone number"


def _attach_labels(connection: Connection, rows: List[dict]) -> None:
    senders = [row["sender_id"] for row in rows]
    intents = _labels_by_sender(connection, senders, "intent")
    tags = _labels_by_sender(connection, senders, "tag")
    for row in rows:
        row["intents"] = intents.get(row["sender_id"], [])
        row["tags"] = tags.get(row["sender_id"], [])


def follow_up_queue(db: Database, include_handled: bool = False, limit: int = 200) -> List[dict]:
    """Conversations with a handoff request or a crisis flag: crises first, however recent, then
    the oldest unhandled first; or, with `include_handled`, those handled most recently."""
    with db.transaction() as connection:
        if include_handled:
            query = (f"SELECT {SUMMARY_COLUMNS} FROM console_conversations c WHERE c.followup_pending = 0 "
                     f"AND c.handled_at IS NOT NULL ORDER BY c.handled_at DESC LIMIT :limit")
        else:
            query = (f"SELECT {SUMMARY_COLUMNS} FROM console_conversations c WHERE c.followup_pending = 1 "
                     f"ORDER BY c.crisis_flag DESC, c.followup_at, c.sender_id LIMIT :limit")
        rows = [_previews_redacted(dict(row._mapping)) for row in connection.execute(text(query), {"limit": limit})]
        for row in rows:
            # Everyone watching the queue sees it: only the counselor who opens the case is shown
            # the detail itself (the transcript page, which audits it).
            detail = row.pop("contact_detail")
            row["contact_left"] = contact_kind(detail) if detail else None
        _attach_labels(connection, rows)
        deliveries = _alert_deliveries(connection, [row["sender_id"] for row in rows if row["crisis_flag"]])
        for row in rows:
            row["alert_deliveries"] = deliveries.get(row["sender_id"], [])
    return rows


def _alert_deliveries(connection: Connection, senders: Sequence[str]) -> Dict[str, List[dict]]:
    """How each conversation's latest crisis alert went, per destination: whether on-call staff know."""
    if not senders:
        return {}
    result: Dict[str, List[dict]] = defaultdict(list)
    for row in connection.execute(_in(
            "SELECT a.sender_id, d.destination, d.state, d.attempts, d.sent_at FROM console_alerts a "
            "JOIN console_alert_deliveries d ON d.alert_id = a.id WHERE a.sender_id IN :s AND a.raised_at = "
            "(SELECT MAX(latest.raised_at) FROM console_alerts latest WHERE latest.sender_id = a.sender_id) "
            "ORDER BY d.destination", "s"), {"s": list(senders)}):
        result[row.sender_id].append(dict(row._mapping))
    return result


def pending_follow_up_count(db: Database) -> int:
    with db.transaction() as connection:
        return connection.execute(text(
            "SELECT COUNT(*) FROM console_conversations WHERE followup_pending = 1")).scalar()


def facet_values(db: Database) -> Dict[str, List[str]]:
    """Values offered in the filter menus."""
    values: Dict[str, List[str]] = defaultdict(list)
    with db.transaction() as connection:
        for kind, value in connection.execute(text("SELECT kind, value FROM console_facet_values "
                                                    "ORDER BY kind, value")):
            values[kind].append(value)
        values["tag"] = [row[0] for row in connection.execute(text(
            "SELECT DISTINCT tag FROM console_tags ORDER BY tag"))]
    return values


def conversation_summary(db: Database, sender_id: str) -> Optional[dict]:
    with db.transaction() as connection:
        row = connection.execute(text(f"SELECT {SUMMARY_COLUMNS} FROM console_conversations c "
                                      f"WHERE c.sender_id = :s"), {"s": sender_id}).first()
        if row is None:
            return None
        summary = dict(row._mapping)
        for kind, key in (("intent", "intents"), ("barrier", "barriers"),
                          ("referral_category", "referral_categories")):
            summary[key] = _labels_by_sender(connection, [sender_id], kind).get(sender_id, [])
        summary["tags"] = _labels_by_sender(connection, [sender_id], "tag").get(sender_id, [])
        summary["notes"] = [dict(r._mapping) for r in connection.execute(text(
            "SELECT id, author, body, created_at FROM console_notes WHERE sender_id = :s ORDER BY created_at, id"),
            {"s": sender_id})]
    return summary


def neighbours(db: Database, flt: ConversationFilter, sender_id: str, last_time: float) -> Dict[str, Optional[str]]:
    """The conversations just newer and just older than this one in the filtered list."""
    where, params = flt.where(db)
    params = dict(params, t=last_time, s=sender_id)
    with db.transaction() as connection:
        newer = connection.execute(text(
            f"SELECT c.sender_id FROM console_conversations c WHERE {where} AND "
            f"(c.last_time > :t OR (c.last_time = :t AND c.sender_id > :s)) "
            f"ORDER BY c.last_time, c.sender_id LIMIT 1"), params).scalar()
        older = connection.execute(text(
            f"SELECT c.sender_id FROM console_conversations c WHERE {where} AND "
            f"(c.last_time < :t OR (c.last_time = :t AND c.sender_id < :s)) {NEWEST_FIRST} LIMIT 1"),
            params).scalar()
    return {"newer": newer, "older": older}


# --- transcripts -------------------------------------------------------------------------------

# Bookkeeping actions every turn or session has; they would bury the actions worth seeing.
HIDDEN_ACTIONS = frozenset({"action_listen", "action_session_start"})
# Other events worth a line in the transcript; the rest (featurization, rewinds...) are internal.
SHOWN_MARKERS = frozenset({"session_started", "restart", "followup", "reset_slots"})


def transcript(db: Database, sender_id: str, reveal: bool = False) -> List[dict]:
    """The conversation's events as display items, personal details redacted unless `reveal`."""
    with db.transaction() as connection:
        rows = connection.execute(text(
            f"SELECT id, type_name, timestamp, data FROM {EVENTS_TABLE} WHERE sender_id = :s ORDER BY id"),
            {"s": sender_id}).fetchall()
    if reveal:
        person = assistant = _as_written
    else:
        redactor = ConversationRedactor()
        person, assistant = redactor.person, redactor.assistant
    return [item for item in (_display_item(row, person, assistant) for row in rows) if item is not None]


def _as_written(value):
    return value


def _display_item(row, person, assistant) -> Optional[dict]:
    """One event for display. `person` cleans what came from the person (messages, entities,
    slots), `assistant` what the assistant said (replies, buttons, the referrals it showed)."""
    event = json.loads(row.data or "{}")
    item = {"id": row.id, "time": row.timestamp, "kind": row.type_name}
    if row.type_name == "user":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        item.update(text=person(event.get("text") or ""), intent=intent.get("name"),
                    confidence=intent.get("confidence"), channel=event.get("input_channel"),
                    entities=[{"entity": e.get("entity"), "value": person(e.get("value")),
                               "extractor": e.get("extractor")} for e in parse.get("entities") or []])
    elif row.type_name == "bot":
        data = event.get("data") or {}
        item.update(text=assistant(event.get("text") or ""),
                    buttons=[{"title": assistant(b.get("title")), "payload": assistant(b.get("payload"))}
                             for b in (data.get("buttons") or data.get("quick_replies") or [])
                             if isinstance(b, dict)],
                    response=(event.get("metadata") or {}).get("utter_action"))
    elif row.type_name == "action":
        if event.get("name") in HIDDEN_ACTIONS:
            return None
        item.update(name=event.get("name"), policy=event.get("policy"), confidence=event.get("confidence"))
    elif row.type_name == "slot":
        if event.get("name") == "referrals_shown" and isinstance(event.get("value"), list):
            item.update(kind="referrals", referrals=[assistant(r) for r in event["value"] if isinstance(r, dict)])
        else:
            item.update(name=event.get("name"), value=person(event.get("value")))
    elif row.type_name == "active_loop":
        item.update(name=event.get("name"))
    elif row.type_name not in SHOWN_MARKERS:
        return None
    return item


# --- analytics ---------------------------------------------------------------------------------

@dataclass
class Analytics:
    days: List[dt.date]
    conversations_per_day: List[int]
    top_intents: List[tuple]
    conversations: int
    with_fallback: int
    barriers: List[tuple]
    referral_categories: List[tuple]
    weeks: List[dt.date]
    fallback_rate_per_week: List[float]
    handoffs_per_week: List[int]
    crises_per_week: List[int]
    # (language code, conversations), every language in careerbot.language.LANGUAGES order.
    conversations_per_language: List[tuple]

    @property
    def fallback_rate(self) -> float:
        return self.with_fallback / self.conversations if self.conversations else 0.0


HOUR = 3600


def _local_day(hour_bucket: int) -> dt.date:
    return dt.datetime.fromtimestamp(hour_bucket * HOUR, tz=local_zone()).date()


def analytics(db: Database, first_day: dt.date, last_day: dt.date) -> Analytics:
    """Figures for conversations started between two local dates (inclusive)."""
    start, end = day_start(first_day), day_start(last_day + dt.timedelta(days=1))
    period = {"start": start, "end": end}
    started = "c.message_count > 0 AND c.first_time >= :start AND c.first_time < :end"
    hour = db.bucket
    with db.transaction() as connection:
        # Counted per UTC hour in SQL and put into local days here, so that days follow the office's
        # time zone (and its daylight-saving changes) on both databases.
        per_hour = connection.execute(text(
            f"SELECT {hour('c.first_time', HOUR)} AS h, COUNT(*), SUM(c.fallback) "
            f"FROM console_conversations c WHERE {started} GROUP BY h"), period).fetchall()
        top_intents = [tuple(r) for r in connection.execute(text(
            "SELECT intent, COUNT(*) AS n FROM console_messages WHERE timestamp >= :start AND timestamp < :end "
            "AND intent IS NOT NULL GROUP BY intent ORDER BY n DESC, intent LIMIT 12"), period)]
        labelled = {}
        for kind in ("barrier", "referral_category"):
            labelled[kind] = [tuple(r) for r in connection.execute(text(
                f"SELECT l.value, COUNT(*) AS n FROM console_labels l JOIN console_conversations c "
                f"ON c.sender_id = l.sender_id WHERE l.kind = :kind AND {started} "
                f"GROUP BY l.value ORDER BY n DESC, l.value LIMIT 20"), dict(period, kind=kind))]
        per_language = dict(connection.execute(text(
            f"SELECT {languages.sql('c')} AS lang, COUNT(*) FROM console_conversations c WHERE {started} "
            f"GROUP BY lang"), period).fetchall())
        flags = {}
        for name, column in (("handoff", "handoff_at"), ("crisis", "crisis_at")):
            flags[name] = connection.execute(text(
                f"SELECT {hour('c.' + column, HOUR)} AS h, COUNT(*) FROM console_conversations c "
                f"WHERE c.{column} >= :start AND c.{column} < :end GROUP BY h"), period).fetchall()
    days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    week_of = lambda day: day - dt.timedelta(days=day.weekday())  # noqa: E731  (Monday)
    weeks = sorted({week_of(day) for day in days})
    per_day: Counter = Counter()
    per_week: Counter = Counter()
    fallbacks_per_week: Counter = Counter()
    for bucket, count, fallback_count in per_hour:
        day = _local_day(bucket)
        per_day[day] += count
        per_week[week_of(day)] += count
        fallbacks_per_week[week_of(day)] += fallback_count or 0
    weekly = {}
    for name, buckets in flags.items():
        counter: Counter = Counter()
        for bucket, count in buckets:
            counter[week_of(_local_day(bucket))] += count
        weekly[name] = [counter[week] for week in weeks]
    return Analytics(days=days, conversations_per_day=[per_day[day] for day in days],
                     top_intents=top_intents, conversations=sum(per_day.values()),
                     with_fallback=sum(fallbacks_per_week.values()),
                     barriers=labelled["barrier"], referral_categories=labelled["referral_category"], weeks=weeks,
                     fallback_rate_per_week=[round(100 * fallbacks_per_week[w] / per_week[w], 1) if per_week[w] else 0
                                             for w in weeks],
                     handoffs_per_week=weekly["handoff"], crises_per_week=weekly["crisis"],
                     conversations_per_language=[(label.code, per_language.get(label.code, 0))
                                                 for label in languages.labels()])


# --- exports -----------------------------------------------------------------------------------

EXPORT_CHUNK = 200


def export_conversations(db: Database, flt: ConversationFilter, reveal: bool = False) -> Iterator[dict]:
    """Every conversation matching `flt`, newest first, with its messages; read in chunks."""
    where, params = flt.where(db)
    after = None
    while True:
        with db.transaction() as connection:
            keyset = ""
            chunk_params = dict(params, limit=EXPORT_CHUNK)
            if after:
                keyset = " AND (c.last_time < :t OR (c.last_time = :t AND c.sender_id < :s))"
                chunk_params.update(t=after[0], s=after[1])
            rows = [dict(r._mapping) for r in connection.execute(text(
                f"SELECT {SUMMARY_COLUMNS} FROM console_conversations c WHERE {where}{keyset} "
                f"{NEWEST_FIRST} LIMIT :limit"), chunk_params)]
            if not rows:
                return
            senders = [row["sender_id"] for row in rows]
            labels = {kind: _labels_by_sender(connection, senders, kind)
                      for kind in ("intent", "barrier", "referral_category", "tag")}
            messages: Dict[str, List[dict]] = defaultdict(list)
            redactors: Dict[str, ConversationRedactor] = defaultdict(ConversationRedactor)
            for row in connection.execute(_in(
                    f"SELECT sender_id, type_name, timestamp, data FROM {EVENTS_TABLE} WHERE sender_id IN :s "
                    f"AND type_name IN ('user', 'bot') ORDER BY id", "s"), {"s": senders}):
                event = json.loads(row.data or "{}")
                intent = ((event.get("parse_data") or {}).get("intent") or {})
                body = event.get("text") or ""
                if not reveal:
                    redactor = redactors[row.sender_id]
                    body = (redactor.person if row.type_name == "user" else redactor.assistant)(body)
                messages[row.sender_id].append({
                    "time": row.timestamp, "speaker": row.type_name, "text": body,
                    "intent": intent.get("name"), "confidence": intent.get("confidence")})
        for row in rows:
            sender = row["sender_id"]
            yield {
                "conversation": sender, "channel": row["channel"], "language": row["language"],
                "started": row["first_time"],
                "last_activity": row["last_time"], "user_messages": row["message_count"],
                "intents": labels["intent"].get(sender, []), "barriers": labels["barrier"].get(sender, []),
                "referral_categories": labels["referral_category"].get(sender, []),
                "referrals_shown": row["referral_count"], "fallback": bool(row["fallback"]),
                "handoff_requested": bool(row["handoff_requested"]), "crisis_flag": bool(row["crisis_flag"]),
                "reviewed": bool(row["reviewed"]), "tags": labels["tag"].get(sender, []),
                "messages": messages.get(sender, []),
            }
        after = (rows[-1]["last_time"], rows[-1]["sender_id"])
