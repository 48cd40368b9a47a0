"""Opening hours from HSDS schedules: what "open now" and the hours line say for the recurrence
rules directories write."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from careerbot.directory.hours import ScheduleRule, hours_text, open_now, parse_time

CHICAGO = "America/Chicago"


def rule(**fields) -> ScheduleRule:
    return ScheduleRule.from_fields({k: str(v) for k, v in fields.items()})


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["25:99", "24:01", "9", "09:60", "noon", "09:00+15:00"])
def test_impossible_times_are_refused(text):
    with pytest.raises(ValueError):
        parse_time(text)


def test_first_and_third_wednesday_of_the_month():
    meeting = rule(freq="MONTHLY", byday="1WE,3WE", opens_at="18:00", closes_at="20:00")
    # November 2026: Wednesdays are the 4th, 11th, 18th, 25th. 19:00 CST = 01:00 UTC next day.
    assert open_now([meeting], utc(2026, 11, 5, 1, 0), CHICAGO) is True     # 1st Wed
    assert open_now([meeting], utc(2026, 11, 12, 1, 0), CHICAGO) is False   # 2nd Wed
    assert open_now([meeting], utc(2026, 11, 19, 1, 0), CHICAGO) is True    # 3rd Wed
    assert hours_text([meeting]) == "1st Wed and 3rd Wed of every month 6 pm–8 pm"


def test_last_friday_and_month_days():
    last_friday = rule(freq="MONTHLY", byday="-1FR", opens_at="10:00", closes_at="12:00")
    assert open_now([last_friday], utc(2026, 11, 27, 17, 0), CHICAGO) is True   # 27th: last Fri
    assert open_now([last_friday], utc(2026, 11, 20, 17, 0), CHICAGO) is False
    fifteenth = rule(freq="MONTHLY", bymonthday="15", opens_at="10:00", closes_at="12:00")
    assert open_now([fifteenth], utc(2026, 11, 15, 17, 0), CHICAGO) is True


def test_overnight_hours_span_midnight():
    shift = rule(freq="WEEKLY", byday="FR", opens_at="22:00", closes_at="06:00")
    assert open_now([shift], utc(2026, 11, 21, 5, 0), CHICAGO) is True    # Fri 23:00 CST
    assert open_now([shift], utc(2026, 11, 21, 11, 0), CHICAGO) is True   # Sat 05:00 CST
    assert open_now([shift], utc(2026, 11, 21, 13, 0), CHICAGO) is False  # Sat 07:00 CST


def test_explicit_offsets_win_over_the_locations_zone():
    eastern = rule(byday="MO", opens_at="09:00-05:00", closes_at="17:00-05:00")
    # Monday 14:30 UTC = 9:30 at UTC-5 (open), although it is 8:30 in Chicago.
    assert open_now([eastern], utc(2026, 11, 16, 14, 30), CHICAGO) is True
    by_column = rule(byday="MO", opens_at="09:00", closes_at="17:00", timezone="-5")
    assert open_now([by_column], utc(2026, 11, 16, 14, 30), None) is True


def test_unknown_when_the_data_cannot_tell():
    assert open_now([rule(byday="MO", opens_at="09:00", closes_at="17:00")],
                    utc(2026, 11, 16, 16, 0), None) is None  # no time zone anywhere
    fortnightly = rule(byday="MO", interval="2", opens_at="09:00", closes_at="17:00")
    assert open_now([fortnightly], utc(2026, 11, 16, 16, 0), CHICAGO) is None  # which weeks?
    dated = rule(byday="MO", interval="2", dtstart="2026-11-02", opens_at="09:00",
                 closes_at="17:00")
    assert open_now([dated], utc(2026, 11, 16, 16, 0), CHICAGO) is True
    assert open_now([dated], utc(2026, 11, 9, 16, 0), CHICAGO) is False
    assert open_now([rule(description="By appointment")], utc(2026, 11, 16, 16), CHICAGO) is None
    assert hours_text([rule(description="By appointment")]) == "By appointment"


def test_validity_dates_bound_a_schedule():
    summer = rule(byday="MO,TU,WE,TH,FR", opens_at="09:00", closes_at="17:00",
                  valid_from="2026-06-01", valid_to="2026-08-31")
    assert open_now([summer], utc(2026, 7, 15, 16), CHICAGO) is True
    assert open_now([summer], utc(2026, 11, 18, 16), CHICAGO) is False


def test_hours_text_groups_days():
    rules = [rule(byday="MO,TU,WE,TH", opens_at="09:00", closes_at="18:00"),
             rule(byday="FR", opens_at="09:00", closes_at="13:00"),
             rule(byday="SA,SU", opens_at="10:00", closes_at="12:30")]
    assert hours_text(rules) == "Mon–Thu 9 am–6 pm; Fri 9 am–1 pm; Sat, Sun 10 am–12:30 pm"
    assert hours_text([rule(opens_at="00:00", closes_at="24:00")]) == "Daily 24 hours"
