"""Retention deletes people not seen for the period, but not one who asked to be reminded of
a deadline further away: they are kept until the reminder has gone."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reminders.models import Reminder, ReminderSend
from bot.storage.db import make_sessionmaker, migrate
from bot.storage.models import User
from bot.storage.retention import purge_inactive_users

NOW = dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)


async def test_a_pending_reminder_keeps_the_person(any_engine: AsyncEngine) -> None:
    await migrate(any_engine)
    sessions = make_sessionmaker(any_engine)
    old = NOW - dt.timedelta(days=120)
    async with sessions.begin() as session:
        waiting, gone = (User(transport="telegram", external_id=x, last_seen_at=old) for x in ("1", "2"))
        session.add_all([waiting, gone])
        await session.flush()
        reminder = Reminder(user_id=waiting.id, kind="registration", date=dt.date(2027, 9, 1),
                            deadline=dt.date(2027, 9, 1))
        session.add(reminder)
        await session.flush()
        session.add(ReminderSend(reminder_id=reminder.id, user_id=waiting.id, days_before=3,
                                 due_at=dt.datetime(2027, 8, 29, 7, tzinfo=dt.UTC)))
    async with sessions.begin() as session:
        assert await purge_inactive_users(session, days=90, now=NOW) == 1
    async with sessions() as session:
        assert (await session.scalars(select(User.external_id))).all() == ["1"]
    async with sessions.begin() as session:  # a reminder left pending past its date keeps no one
        assert await purge_inactive_users(session, days=90, now=dt.datetime(2027, 9, 2, tzinfo=dt.UTC)) == 1


async def test_a_sent_reminder_keeps_no_one(any_engine: AsyncEngine) -> None:
    await migrate(any_engine)
    sessions = make_sessionmaker(any_engine)
    async with sessions.begin() as session:
        person = User(transport="telegram", external_id="3", last_seen_at=NOW - dt.timedelta(days=120))
        session.add(person)
        await session.flush()
        reminder = Reminder(user_id=person.id, kind="patent", date=dt.date(2027, 7, 1), deadline=dt.date(2027, 7, 1))
        session.add(reminder)
        await session.flush()
        session.add(ReminderSend(reminder_id=reminder.id, user_id=person.id, days_before=1, status="sent",
                                 due_at=dt.datetime(2027, 6, 30, 7, tzinfo=dt.UTC)))
    async with sessions.begin() as session:
        assert await purge_inactive_users(session, days=90, now=NOW) == 1
