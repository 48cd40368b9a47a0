"""The conversation filters staff choose, parsed from query strings and turned into SQL.

Every value reaches the database as a bound parameter; search words are reduced to plain word
tokens before they go into a full-text query, so quotes, semicolons or FTS operators typed into a
filter are just characters that match nothing.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from careerbot.console import languages
from careerbot.console.db import Database
from careerbot.language import LANGUAGES
from careerbot.settings import staff_time_zone

MAX_TEXT_LENGTH = 200
YES_NO = ("", "yes", "no")


class FilterError(ValueError):
    """A filter value staff typed that cannot be used; the message says what to fix."""


def local_zone() -> ZoneInfo:
    """The office's time zone for dates staff pick and times they read (STAFF_TIMEZONE, default UTC)."""
    return staff_time_zone()


def day_start(day: dt.date) -> float:
    """UNIX time of local midnight at the start of `day`."""
    return dt.datetime.combine(day, dt.time(), tzinfo=local_zone()).timestamp()


# Dates staff may pick. Within them every day's bounds and the periods around them (a day after
# the To date, a month before it) are dates Python can hold: 9999-12-31 plus a day cannot.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)


def _parse_date(name: str, value: str) -> Optional[dt.date]:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as error:
        raise FilterError(f"{name} must be a date like 2024-05-31.") from error
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise FilterError(f"{name} must be a date from {EARLIEST_DATE.isoformat()} to "
                          f"{LATEST_DATE.isoformat()}.")
    return day


def search_words(query: str) -> List[str]:
    return re.findall(r"\w+", query.lower())


@dataclass(frozen=True)
class ConversationFilter:
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    channel: str = ""
    language: str = ""  # one of careerbot.language.LANGUAGES; a conversation never set is English
    intent: str = ""
    barrier: str = ""
    tag: str = ""
    referral: str = ""
    fallback: str = ""
    handoff: str = ""
    crisis: str = ""
    reviewed: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "ConversationFilter":
        """Build from query-string values (first value of each); raise FilterError on bad input."""
        values: Dict[str, object] = {}
        for spec in fields(cls):
            raw = (args.get(spec.name) or "").strip()
            if len(raw) > MAX_TEXT_LENGTH:
                raise FilterError(f"The {spec.name} filter is too long (at most {MAX_TEXT_LENGTH} characters).")
            if spec.name in ("date_from", "date_to"):
                values[spec.name] = _parse_date("From" if spec.name == "date_from" else "To", raw)
            elif spec.name in ("referral", "fallback", "handoff", "crisis", "reviewed"):
                if raw not in YES_NO:
                    raise FilterError(f"The {spec.name} filter must be yes, no or empty.")
                values[spec.name] = raw
            elif spec.name == "language":
                if raw and raw not in LANGUAGES:
                    raise FilterError(f"The language filter must be {', '.join(LANGUAGES)} or empty.")
                values[spec.name] = raw
            else:
                values[spec.name] = raw
        result = cls(**values)
        if result.date_from and result.date_to and result.date_from > result.date_to:
            raise FilterError("The From date is after the To date.")
        if result.q and not search_words(result.q):
            raise FilterError("Type at least one word or number to search for.")
        return result

    def is_empty(self) -> bool:
        return self == ConversationFilter()

    def query_string(self, **overrides) -> str:
        """The filter as a query string (for links that keep it), with `overrides` applied."""
        params = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value:
                params[spec.name] = value.isoformat() if isinstance(value, dt.date) else value
        params.update({key: value for key, value in overrides.items() if value})
        return urlencode(params)

    def describe(self) -> str:
        """Readable summary for the audit log and export file names."""
        return self.query_string() or "all conversations"

    def where(self, db: Database, alias: str = "c") -> Tuple[str, Dict[str, object]]:
        """SQL condition on console_conversations `alias`, with its bound parameters."""
        clauses = [f"{alias}.message_count > 0"]
        params: Dict[str, object] = {}
        if self.date_from:
            clauses.append(f"{alias}.last_time >= :date_from")
            params["date_from"] = day_start(self.date_from)
        if self.date_to:
            clauses.append(f"{alias}.first_time < :date_to")
            params["date_to"] = day_start(self.date_to + dt.timedelta(days=1))
        for name in ("channel", "barrier"):
            if getattr(self, name):
                clauses.append(f"{alias}.{name} = :{name}")
                params[name] = getattr(self, name)
        if self.language:
            clauses.append(languages.sql_condition(alias, self.language))
            params["language"] = self.language
        if self.intent:
            clauses.append(f"{alias}.sender_id IN (SELECT sender_id FROM console_labels "
                           f"WHERE kind = 'intent' AND value = :intent)")
            params["intent"] = self.intent
        if self.tag:
            clauses.append(f"{alias}.sender_id IN (SELECT sender_id FROM console_tags WHERE tag = :tag)")
            params["tag"] = self.tag
        for name, column in (("fallback", "fallback"), ("handoff", "handoff_requested"),
                             ("crisis", "crisis_flag"), ("reviewed", "reviewed")):
            value = getattr(self, name)
            if value:
                clauses.append(f"{alias}.{column} = {1 if value == 'yes' else 0}")
        if self.referral:
            clauses.append(f"{alias}.referral_count {'>' if self.referral == 'yes' else '='} 0")
        if self.q:
            if db.is_postgres:
                clauses.append(f"{alias}.sender_id IN (SELECT sender_id FROM console_messages "
                               f"WHERE to_tsvector('simple', text) @@ plainto_tsquery('simple', :q))")
                params["q"] = self.q
            else:
                clauses.append(f"{alias}.sender_id IN (SELECT sender_id FROM console_message_search "
                               f"WHERE console_message_search MATCH :q)")
                # Each word quoted: FTS5 then reads them as plain terms, all of which must occur.
                params["q"] = " ".join(f'"{word}"' for word in search_words(self.q))
        return " AND ".join(clauses), params
