"""Sending a queued campaign: paced, resumable after a kill, at most once per person.

Rows go `queued` -> `sending` (claimed with a lease, committed, just before the request)
-> `sent` | `blocked` (403: the person is marked, later campaigns skip them) | `failed`, or
back to `queued` after a 429 (the whole campaign waits `retry_after`) or a passing error.
A process killed mid-send leaves `sending` rows: when their lease has run out they become
`unconfirmed` and are never sent again, so no one gets a campaign twice; the only people who
may miss it are those whose request had not left at the kill (`parallel` at most), and they
are counted, not hidden.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import structlog
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.campaigns.config import CampaignSettings
from bot.campaigns.models import (
    BLOCKED,
    DONE,
    EXPIRED,
    FAILED,
    QUEUED,
    RUNNING,
    SENDING,
    SENT,
    UNCONFIRMED,
    CampaignDelivery,
    CampaignRun,
)
from bot.campaigns.pacing import Budget
from bot.storage.models import User, utcnow

log = structlog.get_logger(__name__)
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Outcome:
    kind: Literal["sent", "blocked", "retry", "failed"]
    retry_after: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, callback data), one per row


class Transport(Protocol):
    async def send(self, chat_id: str, message: Rendered) -> Outcome: ...

    async def close(self) -> None: ...


Render = Callable[[str], Rendered]  # language -> the message


@dataclass(frozen=True)
class _Row:
    id: int
    chat_id: str
    lang: str
    attempts: int = 0  # before this send


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class CampaignSender:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], transport: Transport, budget: Budget,
                 settings: CampaignSettings, *, clock: Clock = utcnow) -> None:
        self.sessions, self.transport, self.budget = sessions, transport, budget
        self.settings, self.clock = settings, clock

    async def recover(self, campaign_id: str) -> int:
        """Rows a killed process claimed and never settled: unconfirmed, never sent again."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(CampaignDelivery).where(
                    CampaignDelivery.campaign_id == campaign_id, CampaignDelivery.status == SENDING,
                    CampaignDelivery.lease_until < self.clock())
                .values(status=UNCONFIRMED, lease_until=None, error="process ended during the send")
                .execution_options(synchronize_session=False))
        if (n := _count(result)):
            log.warning("campaign.unconfirmed", campaign=campaign_id, rows=n)
        return n

    async def run(self, campaign_id: str, render: Render) -> int:
        """Send until nothing is left, the campaign is stopped, or it expires; returns how
        many messages went out."""
        await self.recover(campaign_id)
        sent = 0
        while True:
            state = await self._state(campaign_id)
            if state != RUNNING:
                return sent
            rows, waiting = await self._next(campaign_id)
            if not rows:
                if not waiting:
                    await self._finish(campaign_id, DONE)
                    return sent
                await asyncio.sleep(min(1.0, self.settings.interval_s))
                await self.recover(campaign_id)
                continue
            for start in range(0, len(rows), self.settings.parallel):
                if start and await self._state(campaign_id) != RUNNING:
                    return sent
                sent += await self._wave(rows[start:start + self.settings.parallel], render)

    async def _state(self, campaign_id: str) -> str | None:
        async with self.sessions() as session:
            run = await session.get(CampaignRun, campaign_id)
            if run is None:
                return None
            expires = run.expires_at
            if run.status == RUNNING and expires is not None and _aware(expires) <= self.clock():
                await self._finish(campaign_id, DONE, expire=True)
                return DONE
            return run.status

    async def _next(self, campaign_id: str) -> tuple[list[_Row], bool]:
        now = self.clock()
        todo = and_(CampaignDelivery.campaign_id == campaign_id, CampaignDelivery.status == QUEUED)
        due = or_(CampaignDelivery.next_attempt_at.is_(None), CampaignDelivery.next_attempt_at <= now)
        async with self.sessions() as session:
            found = (await session.execute(
                select(CampaignDelivery.id, User.external_id, CampaignDelivery.lang, CampaignDelivery.attempts)
                .join(User, User.id == CampaignDelivery.user_id).where(todo, due)
                .order_by(CampaignDelivery.id).limit(self.settings.batch))).all()
            waiting = bool(await session.scalar(select(func.count()).select_from(CampaignDelivery).where(
                CampaignDelivery.campaign_id == campaign_id,
                CampaignDelivery.status.in_((QUEUED, SENDING)))))
        return [_Row(i, str(chat), str(lang), int(n)) for i, chat, lang, n in found], waiting

    async def _wave(self, rows: Sequence[_Row], render: Render) -> int:
        for _ in rows:
            await self.budget.take()
        now = self.clock()
        async with self.sessions.begin() as session:
            claimed = set((await session.scalars(
                update(CampaignDelivery)
                .where(CampaignDelivery.id.in_([r.id for r in rows]), CampaignDelivery.status == QUEUED)
                .values(status=SENDING, attempts=CampaignDelivery.attempts + 1,
                        lease_until=now + dt.timedelta(seconds=self.settings.lease_s))
                .returning(CampaignDelivery.id))).all())
        mine = [r for r in rows if r.id in claimed]
        outcomes = await asyncio.gather(*(self._send(r, render) for r in mine))
        await self._settle(list(zip(mine, outcomes, strict=True)))
        return sum(o.kind == "sent" for o in outcomes)

    async def _send(self, row: _Row, render: Render) -> Outcome:
        try:
            return await self.transport.send(row.chat_id, render(row.lang))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a transport bug: not sent, say so
            log.exception("campaign.transport_failed", delivery=row.id)
            return Outcome("failed", error=f"{type(exc).__name__}: {exc}"[:250])

    async def _settle(self, results: list[tuple[_Row, Outcome]]) -> None:
        now = self.clock()
        pause = max((o.retry_after or 0.0 for _, o in results if o.kind == "retry"), default=0.0)
        if pause:
            self.budget.hold(pause)
            log.warning("campaign.retry_after", seconds=pause)
        async with self.sessions.begin() as session:
            for row, outcome in results:
                await session.execute(update(CampaignDelivery).where(CampaignDelivery.id == row.id)
                                      .values(**self._values(row, outcome, now))
                                      .execution_options(synchronize_session=False))
            blocked = [row.id for row, o in results if o.kind == "blocked"]
            if blocked:
                people = select(CampaignDelivery.user_id).where(CampaignDelivery.id.in_(blocked))
                await session.execute(update(User).where(User.id.in_(people)).values(blocked_at=now)
                                      .execution_options(synchronize_session=False))

    def _values(self, row: _Row, outcome: Outcome, now: dt.datetime) -> dict[str, object]:
        done: dict[str, object] = {"lease_until": None, "error": outcome.error}
        if outcome.kind == "sent":
            return {**done, "status": SENT, "sent_at": now}
        if outcome.kind == "blocked":
            return {**done, "status": BLOCKED}
        if outcome.kind == "retry" and outcome.retry_after is not None:
            # a 429: Telegram did not deliver it, so it is safe to send again (not an attempt)
            return {**done, "status": QUEUED, "attempts": row.attempts,
                    "next_attempt_at": now + dt.timedelta(seconds=outcome.retry_after)}
        if outcome.kind == "retry" and row.attempts + 1 < self.settings.max_attempts:
            delay = min(300.0, 5.0 * 2 ** row.attempts)
            return {**done, "status": QUEUED, "next_attempt_at": now + dt.timedelta(seconds=delay)}
        return {**done, "status": FAILED}

    async def _finish(self, campaign_id: str, status: str, *, expire: bool = False) -> None:
        async with self.sessions.begin() as session:
            if expire:
                await session.execute(update(CampaignDelivery).where(
                    CampaignDelivery.campaign_id == campaign_id, CampaignDelivery.status == QUEUED)
                    .values(status=EXPIRED).execution_options(synchronize_session=False))
            await session.execute(update(CampaignRun).where(CampaignRun.id == campaign_id,
                                                            CampaignRun.status == RUNNING)
                                  .values(status=status, finished_at=self.clock())
                                  .execution_options(synchronize_session=False))
        log.info("campaign.finished", campaign=campaign_id, expired=expire)


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
