"""When to remind: the deadline of each kind, and the reminder times in the person's zone.

- `patent`: the person gives the last day their patent is paid for; the patent ends the day
  after, so that day is the deadline to pay by.
- `registration`: the last day of the migration registration.
- `stay`: the entry date. Russia (and anyone whose country is unknown: the bot's people are
  mostly there) counts 90 days in total per calendar year since 5 Feb 2025 (law 260-FZ, see
  content docs_stay_period); the days of a new year count afresh from 1 January. Kazakhstan
  counts 90 days in any 180. Both assume no earlier trip in the period: the reminder says so.

Reminders go `days_before` days before the deadline at `hour` o'clock in the time zone of the
country the person is in (users.country), never in the past.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Kind = Literal["patent", "registration", "stay"]
KINDS: tuple[Kind, ...] = ("patent", "registration", "stay")
STAY_DAYS = 90
WINDOW_DAYS = 180  # Kazakhstan: 90 in any 180


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the month lacks becomes its last (31 Jan -> 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_patent_period(paid_until: dt.date) -> dt.date:
    """The last day paid after one more month: a paid month runs from the day after the last
    paid day (paid until 14 Apr -> 14 May; until 31 Jan -> 28 or 29 Feb; until 28 Feb -> 31 Mar
    when the month began on 1 Feb)."""
    start = paid_until + dt.timedelta(days=1)
    return add_months(start, 1) - dt.timedelta(days=1)


def stay_deadline(entry: dt.date, country: str | None) -> dt.date:
    """The last day of a legal stay that began on `entry` (no earlier trips in the period)."""
    if country == "KZ":
        return entry + dt.timedelta(days=STAY_DAYS - 1)
    last = entry + dt.timedelta(days=STAY_DAYS - 1)
    if last.year == entry.year:
        return last
    # Crossing 31 December: the new calendar year has its own 90 days.
    return dt.date(entry.year + 1, 1, 1) + dt.timedelta(days=STAY_DAYS - 1)


def deadline(kind: Kind, date: dt.date, country: str | None) -> dt.date:
    return stay_deadline(date, country) if kind == "stay" else date


def zone_for(country: str | None, zones: Mapping[str, str], default: str) -> ZoneInfo:
    name = zones.get(country or "", default)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


@dataclass(frozen=True)
class Planned:
    days_before: int
    due_at: dt.datetime  # UTC


def plan(deadline_day: dt.date, *, zone: ZoneInfo, hour: int, days_before: Sequence[int],
         now: dt.datetime) -> list[Planned]:
    """The reminder times still ahead of `now`, earliest first."""
    out = []
    for n in sorted(set(days_before), reverse=True):
        local = dt.datetime.combine(deadline_day - dt.timedelta(days=n), dt.time(hour), tzinfo=zone)
        due = local.astimezone(dt.UTC)
        if due > now:
            out.append(Planned(n, due))
    return out


def local_today(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    return now.astimezone(zone).date()
