"""Delivery of due reminders, each once, surviving restarts.

A reminder message (`reminder_sends`) is claimed before it is sent: one conditional UPDATE
turns `pending` into `sending` with a lease, committed before the request leaves, so two
workers (or two processes behind one database) never both send it. When Telegram accepts it,
it becomes `sent` in the next transaction. A process killed at send time leaves `sending`
with a lease that runs out; the next run sends it then. The one window this cannot close is
a kill after Telegram accepted the message and before `sent` is committed (milliseconds):
there the reminder goes again rather than never, since a missed patent payment costs the
patent. Pacing within Telegram's limits is the bot's own (bot.telegram.delivery).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Catalogs
from bot.reminders import repo, texts
from bot.reminders.models import Reminder, ReminderSend
from bot.reminders.schedule import Kind, local_today, zone_for
from bot.settings import ReminderSettings
from bot.storage.models import User, utcnow
from hotline_router.relay import DeliveryResult
from nlu.languages import Lang, is_lang
from shared.loops import Waker

log = structlog.get_logger(__name__)
Clock = Callable[[], dt.datetime]
KEEP_PAST_DAYS = 30  # reminders whose deadline passed longer ago are deleted
PURGE_EVERY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Notice:
    """One reminder message, ready for a transport."""

    send_id: int
    reminder_id: int
    kind: Kind
    external_id: str
    lang: Lang
    text: str


class NoticeSender(Protocol):
    transport: str

    async def send(self, notice: Notice) -> DeliveryResult: ...


def _aware(at: dt.datetime | None) -> dt.datetime | None:
    return None if at is None else at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


class ReminderWorker(Waker):
    def __init__(self, sessions: async_sessionmaker[AsyncSession], sender: NoticeSender, catalogs: Catalogs,
                 settings: ReminderSettings, *, default_lang: Lang = "ru", clock: Clock = utcnow,
                 batch: int = 200, parallel: int = 8, send_timeout_s: float = 30.0) -> None:
        self.sessions, self.sender, self.catalogs = sessions, sender, catalogs
        self.settings, self.default_lang, self.clock = settings, default_lang, clock
        self.batch, self.send_timeout_s = batch, send_timeout_s
        self._limit = asyncio.Semaphore(parallel)
        Waker.__init__(self)
        self._purged_at: dt.datetime | None = None
        self.sent = 0

    async def run(self) -> None:
        async def round_() -> None:
            await self.run_once()
            await self.purge()
        await self.loop(round_, interval_s=self.settings.interval_s, name="reminders")

    async def purge(self) -> int:
        """Reminders whose deadline is long past go (at most once an hour)."""
        now = self.clock()
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return 0
        self._purged_at = now
        before = now.date() - dt.timedelta(days=KEEP_PAST_DAYS)
        async with self.sessions.begin() as session:
            return await repo.purge_past(session, before=before)

    async def run_once(self) -> int:
        """Send what is due; returns how many went out."""
        now = self.clock()
        due = or_(and_(ReminderSend.status == "pending", ReminderSend.due_at <= now,
                       or_(ReminderSend.next_attempt_at.is_(None), ReminderSend.next_attempt_at <= now)),
                  and_(ReminderSend.status == "sending", ReminderSend.lease_until < now))
        query = (select(ReminderSend.id, Reminder.id, Reminder.kind, Reminder.date, Reminder.deadline,
                        User.external_id, User.lang, User.country)
                 .join(Reminder, Reminder.id == ReminderSend.reminder_id).join(User, User.id == ReminderSend.user_id)
                 .where(due, User.transport == self.sender.transport)
                 .order_by(ReminderSend.due_at, ReminderSend.id).limit(self.batch))
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
        # After a downtime both the 3-day and the 1-day reminder may be due: only the latest goes.
        latest = {row[1]: row for row in rows}  # ordered by due time: the last one wins
        stale = [row[0] for row in rows if latest[row[1]] is not row]
        if stale:
            async with self.sessions.begin() as session:
                await session.execute(update(ReminderSend).where(ReminderSend.id.in_(stale),
                                                                 ReminderSend.status == "pending")
                                      .values(status="skipped", error="a later reminder was due too")
                                      .execution_options(synchronize_session=False))
        results = await asyncio.gather(*(self._one(now, *row) for row in latest.values()))
        return sum(results)

    async def _one(self, now: dt.datetime, send_id: int, reminder_id: int, kind: str, date: dt.date,
                   deadline: dt.date, external_id: str, lang: str | None, country: str | None) -> int:
        async with self._limit:
            async with self.sessions.begin() as session:
                if not await repo.claim(session, send_id=send_id, now=now, lease_s=self.settings.lease_s):
                    return 0  # another worker has it, or it was cancelled meanwhile
            zone = zone_for(country, self.settings.zones, self.settings.default_zone)
            days_left = (deadline - local_today(now, zone)).days
            if days_left < 0:  # the service was down past the deadline: too late to help
                await self._settle(send_id, "expired", error="deadline passed before sending")
                return 0
            person_lang: Lang = lang if lang is not None and is_lang(lang) else self.default_lang
            kind_: Kind = kind if kind in ("patent", "registration") else "stay"  # type: ignore[assignment]
            text = texts.reminder(self.catalogs[person_lang], kind_, date=date, deadline=deadline,
                                  days_left=days_left, country=country)
            notice = Notice(send_id, reminder_id, kind_, external_id, person_lang, text)
            result = await self._send(notice)
            if result.ok:
                await self._settle(send_id, "sent")
                self.sent += 1
                log.info("reminders.sent", send=send_id, kind=kind_, days_left=days_left)
                return 1
            await self._failed(send_id, result)
            return 0

    async def _send(self, notice: Notice) -> DeliveryResult:
        try:
            return await asyncio.wait_for(self.sender.send(notice), self.send_timeout_s)
        except TimeoutError:
            return DeliveryResult(ok=False, error="timed out")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a transport bug must not lose the reminder: retry it
            log.exception("reminders.sender_failed", send=notice.send_id)
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:250])

    async def _settle(self, send_id: int, status: str, *, error: str | None = None) -> None:
        now = self.clock()
        async with self.sessions.begin() as session:
            await session.execute(update(ReminderSend).where(ReminderSend.id == send_id).values(
                status=status, lease_until=None, error=error, sent_at=now if status == "sent" else None)
                .execution_options(synchronize_session=False))

    async def _failed(self, send_id: int, result: DeliveryResult) -> None:
        now = self.clock()
        async with self.sessions.begin() as session:
            attempts = int(await session.scalar(select(ReminderSend.attempts)
                                                .where(ReminderSend.id == send_id)) or 0)
            final = not result.retry or attempts >= self.settings.max_attempts
            delay = result.retry_after if result.retry_after is not None else min(3600.0, 30.0 * 2 ** attempts)
            await session.execute(update(ReminderSend).where(ReminderSend.id == send_id).values(
                status="failed" if final else "pending", lease_until=None,
                error=(result.error or "delivery failed")[:250],
                next_attempt_at=now + dt.timedelta(seconds=delay))
                .execution_options(synchronize_session=False))
        log.warning("reminders.not_sent", send=send_id, error=result.error, final=final)
