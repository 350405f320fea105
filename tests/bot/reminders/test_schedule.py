"""Deadlines and reminder times: month ends, leap years, the 90-day rules and time zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.schedule import add_months, deadline, next_patent_period, plan, stay_deadline, zone_for
from bot.settings import ReminderSettings

D = dt.date
UTC = dt.UTC


@pytest.mark.parametrize("start,months,expected", [
    (D(2027, 1, 31), 1, D(2027, 2, 28)),
    (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
    (D(2027, 3, 31), 1, D(2027, 4, 30)),
    (D(2027, 12, 15), 1, D(2028, 1, 15)),
    (D(2027, 11, 30), 3, D(2028, 2, 29)),
    (D(2028, 2, 29), 12, D(2029, 2, 28)),
])
def test_add_months_keeps_month_ends(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize("paid_until,expected", [
    (D(2027, 4, 14), D(2027, 5, 14)),
    (D(2027, 1, 31), D(2027, 2, 28)),   # the month from 1 February
    (D(2028, 1, 31), D(2028, 2, 29)),   # leap year
    (D(2028, 2, 29), D(2028, 3, 31)),   # the month from 1 March
    (D(2027, 2, 28), D(2027, 3, 31)),
    (D(2027, 12, 31), D(2028, 1, 31)),
])
def test_next_patent_month(paid_until: dt.date, expected: dt.date) -> None:
    assert next_patent_period(paid_until) == expected


@pytest.mark.parametrize("entry,country,last", [
    (D(2027, 1, 1), "RU", D(2027, 3, 31)),      # 90 days: 31 + 28 + 31
    (D(2028, 1, 1), "RU", D(2028, 3, 30)),      # leap year: 31 + 29 + 30
    (D(2027, 10, 3), "RU", D(2027, 12, 31)),    # the 90th day is 31 December
    (D(2027, 11, 1), "RU", D(2028, 3, 30)),     # a new calendar year counts afresh (2028: leap)
    (D(2027, 11, 1), None, D(2028, 3, 30)),     # unknown country: Russia's rule
    (D(2027, 11, 1), "KZ", D(2028, 1, 29)),     # Kazakhstan: 90 in any 180, straight on
    (D(2028, 2, 1), "KZ", D(2028, 4, 30)),
])
def test_stay_deadline(entry: dt.date, country: str | None, last: dt.date) -> None:
    assert stay_deadline(entry, country) == last
    assert deadline("stay", entry, country) == last


def test_patent_and_registration_deadline_is_the_date_given() -> None:
    assert deadline("patent", D(2027, 5, 1), "RU") == D(2027, 5, 1)
    assert deadline("registration", D(2027, 5, 1), "KZ") == D(2027, 5, 1)


def test_zones_per_country_and_default() -> None:
    s = ReminderSettings()
    assert zone_for("RU", s.zones, s.default_zone) == ZoneInfo("Europe/Moscow")
    assert zone_for("KZ", s.zones, s.default_zone) == ZoneInfo("Asia/Almaty")
    assert zone_for(None, s.zones, s.default_zone) == ZoneInfo("Europe/Moscow")
    assert zone_for("OTHER", s.zones, s.default_zone) == ZoneInfo("Europe/Moscow")
    assert zone_for("XX", {"XX": "Not/AZone"}, "Europe/Moscow") == ZoneInfo("Europe/Moscow")


def test_ten_in_the_morning_in_moscow_and_in_kazakhstan() -> None:
    now = dt.datetime(2027, 3, 1, tzinfo=UTC)
    s = ReminderSettings()
    moscow = plan(D(2027, 3, 31), zone=ZoneInfo("Europe/Moscow"), hour=10, days_before=(3, 1), now=now)
    almaty = plan(D(2027, 3, 31), zone=ZoneInfo(s.zones["KZ"]), hour=10, days_before=(3, 1), now=now)
    # Russia has no summer time since 2014, Kazakhstan is on UTC+5 since March 2024: the same
    # hour in March and in July.
    at = dt.datetime
    assert [p.due_at for p in moscow] == [at(2027, 3, 28, 7, tzinfo=UTC), at(2027, 3, 30, 7, tzinfo=UTC)]
    assert [p.due_at for p in almaty] == [at(2027, 3, 28, 5, tzinfo=UTC), at(2027, 3, 30, 5, tzinfo=UTC)]
    assert [p.days_before for p in moscow] == [3, 1]
    summer = plan(D(2027, 7, 31), zone=ZoneInfo("Europe/Moscow"), hour=10, days_before=(1,), now=now)
    assert summer[0].due_at == dt.datetime(2027, 7, 30, 7, tzinfo=UTC)


def test_times_across_a_month_end_and_a_leap_day() -> None:
    now = dt.datetime(2028, 2, 1, tzinfo=UTC)
    due = plan(D(2028, 3, 1), zone=ZoneInfo("Europe/Moscow"), hour=10, days_before=(3, 1), now=now)
    assert [p.due_at.date() for p in due] == [D(2028, 2, 27), D(2028, 2, 29)]
    due = plan(D(2027, 3, 1), zone=ZoneInfo("Europe/Moscow"), hour=10, days_before=(3, 1),
               now=dt.datetime(2027, 2, 1, tzinfo=UTC))
    assert [p.due_at.date() for p in due] == [D(2027, 2, 26), D(2027, 2, 28)]


def test_times_already_past_are_left_out() -> None:
    zone = ZoneInfo("Europe/Moscow")
    # 29 March, 09:59 in Moscow: the 3-day reminder (28 March) is gone, the 1-day one is ahead.
    now = dt.datetime(2027, 3, 29, 6, 59, tzinfo=UTC)
    assert [p.days_before for p in plan(D(2027, 3, 31), zone=zone, hour=10, days_before=(3, 1), now=now)] == [1]
    now = dt.datetime(2027, 3, 30, 7, 0, tzinfo=UTC)  # exactly 10:00 on the day before: passed
    assert plan(D(2027, 3, 31), zone=zone, hour=10, days_before=(3, 1), now=now) == []


def test_a_person_in_kazakhstan_is_reminded_two_hours_before_one_in_russia() -> None:
    now = dt.datetime(2027, 6, 1, tzinfo=UTC)
    s = ReminderSettings()
    kz = plan(D(2027, 6, 20), zone=zone_for("KZ", s.zones, s.default_zone), hour=s.hour, days_before=(1,), now=now)
    ru = plan(D(2027, 6, 20), zone=zone_for("RU", s.zones, s.default_zone), hour=s.hour, days_before=(1,), now=now)
    assert ru[0].due_at - kz[0].due_at == dt.timedelta(hours=2)
    assert kz[0].due_at.astimezone(ZoneInfo("Asia/Almaty")).hour == 10
