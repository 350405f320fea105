"""Keyword-only repository functions of the reminders; each takes the session and never
commits itself (the worker's claim and settle are whole transactions: see worker.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reminders.models import Reminder, ReminderSend
from bot.reminders.schedule import Planned


async def count(session: AsyncSession, *, user_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Reminder)
                                    .where(Reminder.user_id == user_id)) or 0)


async def list_for(session: AsyncSession, *, user_id: int) -> list[Reminder]:
    rows = await session.scalars(select(Reminder).where(Reminder.user_id == user_id)
                                 .order_by(Reminder.deadline, Reminder.id))
    return list(rows.all())


async def get(session: AsyncSession, *, user_id: int, reminder_id: int) -> Reminder | None:
    """The person's own reminder (a button of someone else's is never honoured)."""
    reminder = await session.get(Reminder, reminder_id)
    return reminder if reminder is not None and reminder.user_id == user_id else None


async def find(session: AsyncSession, *, user_id: int, kind: str) -> Reminder | None:
    """The person's reminder of this kind (one per kind: a new date replaces the old)."""
    return await session.scalar(select(Reminder).where(Reminder.user_id == user_id, Reminder.kind == kind)
                                .order_by(Reminder.id.desc()).limit(1))


async def save(session: AsyncSession, *, reminder: Reminder | None, user_id: int, kind: str, date: dt.date,
               deadline: dt.date, planned: Sequence[Planned], now: dt.datetime) -> Reminder:
    """Create or change a reminder; its unsent messages are replaced by `planned`."""
    if reminder is None:
        reminder = Reminder(user_id=user_id, kind=kind, date=date, deadline=deadline, created_at=now,
                            updated_at=now)
        session.add(reminder)
        await session.flush()
    else:
        reminder.kind, reminder.date, reminder.deadline, reminder.updated_at = kind, date, deadline, now
        await session.execute(delete(ReminderSend).where(ReminderSend.reminder_id == reminder.id,
                                                         ReminderSend.status == "pending"))
    session.add_all([ReminderSend(reminder_id=reminder.id, user_id=user_id, days_before=p.days_before,
                                  due_at=p.due_at, status="pending", attempts=0) for p in planned])
    return reminder


async def pending_times(session: AsyncSession, *, reminder_id: int) -> list[dt.datetime]:
    rows = await session.scalars(select(ReminderSend.due_at).where(
        ReminderSend.reminder_id == reminder_id, ReminderSend.status == "pending").order_by(ReminderSend.due_at))
    return [_aware(t) for t in rows.all()]


async def cancel(session: AsyncSession, *, user_id: int, reminder_id: int) -> bool:
    """Delete the person's reminder with its unsent messages (one being sent right now under
    a lease finishes; its row goes with the reminder)."""
    reminder = await get(session, user_id=user_id, reminder_id=reminder_id)
    if reminder is None:
        return False
    await session.execute(delete(ReminderSend).where(ReminderSend.reminder_id == reminder.id))
    await session.delete(reminder)
    return True


async def forget(session: AsyncSession, *, user_id: int) -> int:
    """/forget: every reminder of the person and its messages."""
    await session.execute(delete(ReminderSend).where(ReminderSend.user_id == user_id)
                          .execution_options(synchronize_session=False))
    result = await session.execute(delete(Reminder).where(Reminder.user_id == user_id)
                                   .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_past(session: AsyncSession, *, before: dt.date) -> int:
    """Reminders whose deadline is long past (the worker calls this now and then)."""
    old = select(Reminder.id).where(Reminder.deadline < before).scalar_subquery()
    await session.execute(delete(ReminderSend).where(ReminderSend.reminder_id.in_(old))
                          .execution_options(synchronize_session=False))
    result = await session.execute(delete(Reminder).where(Reminder.deadline < before)
                                   .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def claim(session: AsyncSession, *, send_id: int, now: dt.datetime, lease_s: float) -> bool:
    """pending (due) or sending with a lease run out -> sending, leased to the caller."""
    free = (ReminderSend.status == "pending") | (
        (ReminderSend.status == "sending") & (ReminderSend.lease_until < now))
    result = await session.execute(
        update(ReminderSend).where(ReminderSend.id == send_id, free)
        .values(status="sending", lease_until=now + dt.timedelta(seconds=lease_s),
                attempts=ReminderSend.attempts + 1)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _aware(at: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back (stored in UTC)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
