"""Opening hours from HSDS schedules: parsing, "open now", and a short text for chat.

HSDS 3.0 schedules are RFC 5545 recurrence rules (freq, byday, bymonthday, interval) with
`opens_at`/`closes_at` times. The importer validates every field with the parsers here, and the
search evaluates the same rules, so what loads is exactly what can be shown.

Time zones: a time may carry its own UTC offset ("09:00-05:00", "14:00Z"), or the schedule a
`timezone` column (a UTC offset in hours). Directories usually write plain local times ("09:00");
those are read in the location's own time zone (from its ZIP code), because reading them as UTC,
the specification's fallback, would show a 9-to-5 office in Illinois as open at 3 am. When no
time zone is known at all, "open now" is left unknown rather than guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from careerbot.language import DEFAULT_LANGUAGE

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MINUTES_PER_DAY = 24 * 60

# The words of the hours line, by language (careerbot.language.LANGUAGES). An ordinal is its own
# word in `ordinals` ("1st Wed", "last day"), else `nth`; one counted from the end of the month
# and not in `ordinals` reads `from_end` ("4th-to-last day").
DAY_NAMES = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
_WORDS: Dict[str, Dict[str, Any]] = {
    "en": {
        "daily": "Daily", "every_day": "Every day", "around_the_clock": "24 hours",
        "midnight": "midnight", "noon": "noon", "am": "am", "pm": "pm",
        "every_weeks": "{days}, every {n} weeks", "every_weekday": "every {day}",
        "day_of_month": "day {n}", "day": "day", "and": " and ",
        "of_every_month": "{pieces} of every month",
        "of_every_months": "{pieces} of every {n} months",
        "ordinals": {1: "1st", 2: "2nd", 3: "3rd", -1: "last"}, "nth": "{n}th",
        "from_end": "{ordinal}-to-last {noun}",
    },
    "es": {
        "daily": "todos los días", "every_day": "todos los días", "around_the_clock": "24 horas",
        "midnight": "medianoche", "noon": "mediodía", "am": "am", "pm": "pm",
        "every_weeks": "{days}, cada {n} semanas", "every_weekday": "todos los {day}",
        "day_of_month": "día {n}", "day": "día", "and": " y ",
        "of_every_month": "{pieces} de cada mes", "of_every_months": "{pieces}, cada {n} meses",
        "ordinals": {1: "primer", 2: "segundo", 3: "tercer", 4: "cuarto", 5: "quinto",
                     -1: "último", -2: "penúltimo", -3: "antepenúltimo"}, "nth": "{n}.º",
        "from_end": "{ordinal} {noun} desde el final",
    },
}

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}(?::?\d{2})?)?$")
_BYDAY_RE = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")


@dataclass(frozen=True)
class ClockTime:
    """A time of day in minutes after midnight (1440 = "24:00", end of day), with the UTC
    offset the text gave, if any."""

    minutes: int
    utc_offset_minutes: Optional[int] = None


def parse_time(text: str) -> ClockTime:
    match = _TIME_RE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time of day (HH:MM, optionally with Z or ±HH:MM)")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    total = hours * 60 + minutes
    if minutes > 59 or seconds > 59 or total > MINUTES_PER_DAY or (
            total == MINUTES_PER_DAY and seconds):
        raise ValueError(f"'{text}' is not a time of day (hours 00-23, minutes 00-59)")
    return ClockTime(total, _parse_offset_suffix(match[4]) if match[4] else None)


def _parse_offset_suffix(suffix: str) -> int:
    if suffix == "Z":
        return 0
    sign = -1 if suffix[0] == "-" else 1
    digits = suffix[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 14 or minutes > 59:
        raise ValueError(f"'{suffix}' is not a UTC offset")
    return sign * (hours * 60 + minutes)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def parse_utc_offset_hours(text: str) -> int:
    """The schedule `timezone` column: a UTC offset in hours (may be fractional, e.g. 5.5)."""
    try:
        hours = float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a UTC offset in hours") from None
    if not -12 <= hours <= 14:
        raise ValueError(f"UTC offset {text} is outside -12 to +14 hours")
    return round(hours * 60)


def parse_byday(text: str) -> Tuple[Tuple[Optional[int], int], ...]:
    """"MO,WE" or "2MO,-1FR" -> ((ordinal or None, weekday index), ...)."""
    days = []
    for token in (t.strip().upper() for t in text.split(",")):
        match = _BYDAY_RE.match(token)
        if not match:
            raise ValueError(f"'{token}' is not a day (MO..SU, optionally with a week number)")
        days.append((int(match[1]) if match[1] else None, WEEKDAY_CODES.index(match[2])))
    return tuple(days)


def parse_positive_integer(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"'{text}' is not a whole number of 1 or more")
    return int(text)


def parse_monthdays(text: str) -> Tuple[int, ...]:
    days = []
    for token in (t.strip() for t in text.split(",")):
        if not re.fullmatch(r"[+-]?\d{1,2}", token) or not 1 <= abs(int(token)) <= 31:
            raise ValueError(f"'{token}' is not a day of the month (1 to 31, or -1 to -31)")
        days.append(int(token))
    return tuple(days)


@dataclass(frozen=True)
class ScheduleRule:
    """One schedules.csv row, parsed."""

    freq: str
    days: Tuple[Tuple[Optional[int], int], ...]
    monthdays: Tuple[int, ...]
    opens: Optional[ClockTime]
    closes: Optional[ClockTime]
    valid_from: Optional[date]
    valid_to: Optional[date]
    interval: int
    dtstart: Optional[date]
    utc_offset_minutes: Optional[int]
    description: str

    @classmethod
    def from_fields(cls, fields: Mapping[str, Optional[str]]) -> "ScheduleRule":
        def value(name: str) -> str:
            return (fields.get(name) or "").strip()

        interval = value("interval")
        return cls(
            freq=value("freq").upper() or "WEEKLY",
            days=parse_byday(value("byday")) if value("byday") else (),
            monthdays=parse_monthdays(value("bymonthday")) if value("bymonthday") else (),
            opens=parse_time(value("opens_at")) if value("opens_at") else None,
            closes=parse_time(value("closes_at")) if value("closes_at") else None,
            valid_from=parse_date(value("valid_from")) if value("valid_from") else None,
            valid_to=parse_date(value("valid_to")) if value("valid_to") else None,
            interval=parse_positive_integer(interval) if interval else 1,
            dtstart=parse_date(value("dtstart")) if value("dtstart") else None,
            utc_offset_minutes=(parse_utc_offset_hours(value("timezone"))
                                if value("timezone") else None),
            description=value("description"),
        )

    @property
    def has_times(self) -> bool:
        return self.opens is not None and self.closes is not None

    def time_zone(self, location_zone: Optional[str]) -> Optional[tzinfo]:
        offset = self.opens.utc_offset_minutes if self.opens else None
        if offset is None:
            offset = self.utc_offset_minutes
        if offset is not None:
            return timezone(timedelta(minutes=offset))
        if location_zone:
            try:
                return ZoneInfo(location_zone)
            except ZoneInfoNotFoundError:
                return None
        return None

    def occurs_on(self, day: date) -> Optional[bool]:
        """Whether the rule applies on `day`; None when the data cannot tell (an "every other
        week" rule without the start date that fixes which weeks)."""
        if (self.valid_from and day < self.valid_from) or (self.valid_to and day > self.valid_to):
            return False
        if self.interval > 1:
            if not self.dtstart:
                return None
            if self.freq == "WEEKLY":
                weeks = (_monday(day) - _monday(self.dtstart)).days // 7
                if weeks < 0 or weeks % self.interval:
                    return False
            else:
                months = (day.year - self.dtstart.year) * 12 + day.month - self.dtstart.month
                if months < 0 or months % self.interval:
                    return False
        if self.freq == "MONTHLY":
            return self._occurs_in_month_on(day)
        return not self.days or day.weekday() in {weekday for _, weekday in self.days}

    def _occurs_in_month_on(self, day: date) -> bool:
        if self.monthdays:
            last = _last_day_of_month(day)
            wanted = {d if d > 0 else last + d + 1 for d in self.monthdays}
            if day.day not in wanted:
                return False
        if not self.days:
            return True
        for ordinal, weekday in self.days:
            if day.weekday() != weekday:
                continue
            if ordinal is None:
                return True
            if ordinal > 0 and (day.day - 1) // 7 + 1 == ordinal:
                return True
            if ordinal < 0 and (_last_day_of_month(day) - day.day) // 7 + 1 == -ordinal:
                return True
        return False

    def is_open_at(self, local: datetime) -> Optional[bool]:
        """Whether the rule has the place open at `local` (a time in the rule's own zone)."""
        if not self.has_times:
            return None
        minute = local.hour * 60 + local.minute
        opens, closes = self.opens.minutes, self.closes.minutes
        today = self.occurs_on(local.date())
        if opens == closes:  # open around the clock on the days the rule applies
            return today
        if opens < closes:
            return None if today is None else (today and opens <= minute < closes)
        # Overnight hours, e.g. 22:00-06:00: open late today or early after yesterday's opening.
        yesterday = self.occurs_on(local.date() - timedelta(days=1))
        if today is None or yesterday is None:
            return None
        return (today and minute >= opens) or (yesterday and minute < closes)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _last_day_of_month(day: date) -> int:
    next_month = day.replace(day=28) + timedelta(days=4)
    return (next_month - timedelta(days=next_month.day)).day


def open_now(rules: Sequence[ScheduleRule], now: datetime,
             location_zone: Optional[str]) -> Optional[bool]:
    """True if any rule has the place open at `now` (an aware datetime), False if the rules
    say closed, None if they cannot tell (no times, no time zone, ambiguous recurrence)."""
    answer: Optional[bool] = None
    for rule in rules:
        zone = rule.time_zone(location_zone)
        if zone is None or not rule.has_times:
            continue
        is_open = rule.is_open_at(now.astimezone(zone))
        if is_open:
            return True
        if is_open is False:
            answer = False
    return answer


def hours_text(rules: Iterable[ScheduleRule], language: str = DEFAULT_LANGUAGE) -> str:
    """"Mon–Fri 8 am–4:30 pm; Sat 9 am–noon" style summary, in `language`; free-text
    descriptions (the directory's own words) are used for rules without times."""
    words = _WORDS[language]
    weekly: dict = {}
    parts: List[str] = []
    for rule in rules:
        if not rule.has_times:
            if rule.description:
                parts.append(rule.description)
            continue
        around_the_clock = rule.opens.minutes % MINUTES_PER_DAY == \
            rule.closes.minutes % MINUTES_PER_DAY
        span = words["around_the_clock"] if around_the_clock else \
            f"{_clock(rule.opens, language)}–{_clock(rule.closes, language)}"
        if rule.freq == "WEEKLY" and rule.interval == 1:
            days = {weekday for _, weekday in rule.days} or set(range(7))
            weekly.setdefault(span, set()).update(days)
        else:
            parts.append(f"{_recurrence_text(rule, language)} {span}")
    ordered = sorted(weekly.items(), key=lambda item: min(item[1]))
    weekly_parts = [f"{_day_ranges(sorted(days), language)} {span}" for span, days in ordered]
    return "; ".join(weekly_parts + parts)


def _recurrence_text(rule: ScheduleRule, language: str) -> str:
    words, day_names = _WORDS[language], DAY_NAMES[language]
    if rule.freq == "WEEKLY":
        days = _day_ranges(sorted({w for _, w in rule.days}), language) if rule.days else \
            words["daily"]
        return words["every_weeks"].format(days=days, n=rule.interval)
    pieces = []
    for ordinal, weekday in rule.days:
        pieces.append(_ordinal_text(ordinal, day_names[weekday], language) if ordinal
                      else words["every_weekday"].format(day=day_names[weekday]))
    pieces += [words["day_of_month"].format(n=d) if d > 0
               else _ordinal_text(d, words["day"], language) for d in rule.monthdays]
    every = "of_every_month" if rule.interval == 1 else "of_every_months"
    return words[every].format(pieces=words["and"].join(pieces) or words["every_day"],
                               n=rule.interval)


def _ordinal_text(ordinal: int, noun: str, language: str) -> str:
    """"1st Wed", "last day", "2nd-to-last day"; a negative ordinal counts from the end."""
    words = _WORDS[language]
    if ordinal in words["ordinals"]:
        return f"{words['ordinals'][ordinal]} {noun}"
    counted = words["ordinals"].get(abs(ordinal)) or words["nth"].format(n=abs(ordinal))
    if ordinal < 0:
        return words["from_end"].format(ordinal=counted, noun=noun)
    return f"{counted} {noun}"


def _day_ranges(days: Sequence[int], language: str) -> str:
    runs: List[List[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(days) == 7:
        return _WORDS[language]["daily"]
    names = DAY_NAMES[language]
    texts = []
    for run in runs:
        if len(run) >= 3:
            texts.append(f"{names[run[0]]}–{names[run[-1]]}")
        else:
            texts.extend(names[d] for d in run)
    return ", ".join(texts)


def _clock(time: ClockTime, language: str) -> str:
    words = _WORDS[language]
    minutes = time.minutes % MINUTES_PER_DAY
    if minutes == 0:
        return words["midnight"]
    if minutes == 12 * 60:
        return words["noon"]
    hour, minute = divmod(minutes, 60)
    suffix = words["am"] if hour < 12 else words["pm"]
    hour = hour % 12 or 12
    return f"{hour} {suffix}" if minute == 0 else f"{hour}:{minute:02d} {suffix}"
