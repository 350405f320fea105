"""Setting, changing and cancelling reminders: the rules between the person's date and the
rows (what the Telegram handlers call)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reminders import repo
from bot.reminders.dates import DateError, parse_date
from bot.reminders.models import Reminder
from bot.reminders.schedule import Kind, deadline, local_today, next_patent_period, plan, zone_for
from bot.settings import ReminderSettings
from bot.storage.models import utcnow

Clock = Callable[[], dt.datetime]
MAX_AHEAD_DAYS = 400  # a patent is paid for at most 12 months, a registration lasts about a year
MAX_ENTRY_AGE_DAYS = 366


class ReminderProblem(ValueError):
    """Why a date cannot be used: a key of bot.reminders.texts.problem."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Saved:
    reminder_id: int
    kind: Kind
    date: dt.date
    deadline: dt.date
    times: list[dt.datetime]  # local times of the reminders still ahead


class Reminders:
    def __init__(self, settings: ReminderSettings, *, clock: Clock = utcnow) -> None:
        self.settings, self.clock = settings, clock

    def zone(self, country: str | None) -> ZoneInfo:
        return zone_for(country, self.settings.zones, self.settings.default_zone)

    def today(self, country: str | None) -> dt.date:
        return local_today(self.clock(), self.zone(country))

    def parse(self, text: str, *, kind: Kind, country: str | None) -> dt.date:
        """The person's typed date; raises ReminderProblem with the reason."""
        try:
            return parse_date(text, today=self.today(country),
                              direction="past" if kind == "stay" else "future").date
        except DateError as exc:
            raise ReminderProblem(exc.reason) from exc

    def check(self, kind: Kind, date: dt.date, country: str | None) -> dt.date:
        """The deadline of a date that makes sense; raises ReminderProblem."""
        today = self.today(country)
        if kind == "stay":
            if date > today:
                raise ReminderProblem("future_entry")
            if date < today - dt.timedelta(days=MAX_ENTRY_AGE_DAYS):
                raise ReminderProblem("too_old")
        elif date > today + dt.timedelta(days=MAX_AHEAD_DAYS):
            raise ReminderProblem("too_far")
        last = deadline(kind, date, country)
        if last < today:
            raise ReminderProblem("passed")
        return last

    async def set(self, session: AsyncSession, *, user_id: int, country: str | None, kind: Kind,
                  date: dt.date, reminder_id: int | None = None) -> Saved:
        """Create the person's reminder of this kind, or change it (one per kind, or the one
        named by `reminder_id`)."""
        last = self.check(kind, date, country)
        if reminder_id is not None:
            existing = await repo.get(session, user_id=user_id, reminder_id=reminder_id)
        else:
            existing = await repo.find(session, user_id=user_id, kind=kind)
        if existing is None and await repo.count(session, user_id=user_id) >= self.settings.max_per_person:
            raise ReminderProblem("too_many")
        zone, now = self.zone(country), self.clock()
        planned = plan(last, zone=zone, hour=self.settings.hour, days_before=self.settings.days_before, now=now)
        saved = await repo.save(session, reminder=existing, user_id=user_id, kind=kind, date=date,
                                deadline=last, planned=planned, now=now)
        return Saved(saved.id, kind, date, last, [p.due_at.astimezone(zone) for p in planned])

    async def next_month(self, session: AsyncSession, *, user_id: int, country: str | None,
                         reminder_id: int) -> Saved | None:
        """The patent was paid: the same reminder for one more month."""
        reminder = await repo.get(session, user_id=user_id, reminder_id=reminder_id)
        if reminder is None or reminder.kind != "patent":
            return None
        return await self.set(session, user_id=user_id, country=country, kind="patent",
                              date=next_patent_period(reminder.date), reminder_id=reminder.id)

    async def list(self, session: AsyncSession, *, user_id: int) -> list[Reminder]:
        return await repo.list_for(session, user_id=user_id)

    async def cancel(self, session: AsyncSession, *, user_id: int, reminder_id: int) -> bool:
        return await repo.cancel(session, user_id=user_id, reminder_id=reminder_id)
