"""The watcher: escalates cases waiting past their SLA and keeps people told of their place.

Supervisors are told through `Notifier`s: the console always (an alert row it shows), and a
Telegram chat when one is configured (the Telegram service provides the sending function).
Alerts carry case numbers and levels only, never what the person wrote.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline_router import notices
from hotline_router.cases import SYSTEM, enqueue_outgoing, record
from hotline_router.models import Alert, Case, utcnow
from hotline_router.queue import queued_with_positions, recent_handle_seconds, team_loads
from hotline_router.relay import DeliveryResult
from hotline_router.router import TeamLoad, eta_minutes, handle_minutes, meaningful_change
from hotline_router.routing import Routing

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Escalation:
    case_id: int
    level: str
    team: str
    lang: str
    waited_min: int
    limit_min: int

    def text(self) -> str:
        return (f"SLA breach: case #{self.case_id} ({self.level} risk, {self.lang}, team "
                f"{self.team}) has waited {self.waited_min} min (limit {self.limit_min} min).")


class Notifier(Protocol):
    async def notify(self, escalation: Escalation) -> None: ...


class ConsoleNotifier:
    """Writes the alert the supervisor view shows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], dt.datetime]) -> None:
        self.sessions, self.clock = sessions, clock

    async def notify(self, escalation: Escalation) -> None:
        async with self.sessions.begin() as session:
            session.add(Alert(at=self.clock(), case_id=escalation.case_id, kind="sla_breach",
                              message=escalation.text()))


class ChatNotifier:
    """Posts to the supervisors' Telegram chat through a function the Telegram service gives."""

    def __init__(self, send: Callable[[int, str], Awaitable[DeliveryResult]], chat_id: int) -> None:
        self.send, self.chat_id = send, chat_id

    async def notify(self, escalation: Escalation) -> None:
        result = await self.send(self.chat_id, escalation.text())
        if not result.ok:
            log.warning("sla.chat_notify_failed", error=result.error, case=escalation.case_id)


class Watcher:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], routing: Callable[[], Routing], *,
                 catalogs: notices.CatalogsLike, notifiers: list[Notifier],
                 sla_minutes: Callable[[str], int], clock: Callable[[], dt.datetime] = utcnow,
                 interval_s: float = 15.0, notice_min_interval_s: int = 180,
                 online_window_s: int = 120, on_outbox: Callable[[], None] = lambda: None) -> None:
        self.sessions, self.routing, self.catalogs = sessions, routing, catalogs
        self.notifiers = notifiers  # the same list: notifiers added later are used too
        self.sla_minutes, self.clock, self.interval_s = sla_minutes, clock, interval_s
        self.notice_min_interval_s, self.online_window_s = notice_min_interval_s, online_window_s
        self.on_outbox = on_outbox

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep watching after a database hiccup
                log.exception("sla.loop_failed")
            await asyncio.sleep(self.interval_s)

    async def run_once(self) -> list[Escalation]:
        escalations = await self.escalate()
        for escalation in escalations:
            log.warning("sla.breach", case=escalation.case_id, level=escalation.level,
                        waited_min=escalation.waited_min)
            for notifier in self.notifiers:
                try:
                    await notifier.notify(escalation)
                except Exception:  # one broken channel must not silence the others
                    log.exception("sla.notify_failed", notifier=type(notifier).__name__)
        if await self.tell_positions():
            self.on_outbox()
        return escalations

    async def escalate(self) -> list[Escalation]:
        now = self.clock()
        out = []
        async with self.sessions.begin() as session:
            due = (await session.scalars(select(Case).where(
                Case.status == "queued", Case.escalated_at.is_(None), Case.sla_due_at <= now))).all()
            for case in due:
                won = await session.execute(
                    update(Case).where(Case.id == case.id, Case.escalated_at.is_(None))
                    .values(escalated_at=now).execution_options(synchronize_session=False))
                if won.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another watcher escalated it
                limit = self.sla_minutes(case.level)
                record(session, case, "escalated", SYSTEM, now, limit_min=limit)
                out.append(Escalation(case.id, case.level, case.team, case.lang,
                                      int((now - case.queued_at).total_seconds() // 60), limit))
        return out

    async def tell_positions(self) -> int:
        """Tell waiting people their new place when it changed meaningfully; returns how many."""
        now, routing = self.clock(), self.routing()
        told = 0
        async with self.sessions.begin() as session:
            loads = await team_loads(session, routing, now=now, window_s=self.online_window_s)
            handle: dict[str, float] = {}
            for case, pos in await queued_with_positions(session):
                team = routing.team(case.team)
                if not team.is_open(now):
                    continue  # nobody to count on at night: no messages, the morning will tell
                if case.told_at and (now - case.told_at).total_seconds() < self.notice_min_interval_s:
                    continue
                if case.team not in handle:
                    durations = await recent_handle_seconds(session, team=case.team)
                    handle[case.team] = handle_minutes(durations, routing.default_handle_minutes)
                eta = eta_minutes(position=pos, team=team, load=loads.get(case.team, TeamLoad()),
                                  handle=handle[case.team])
                if not meaningful_change(old_pos=case.told_position, new_pos=pos,
                                         old_eta=case.told_eta, new_eta=eta):
                    continue
                _ = notices.translator(self.catalogs, case.lang)
                text = notices.queue_update(_, position=pos, eta=eta)
                if eta is None:
                    text += "\n" + notices.nobody_online(_)
                enqueue_outgoing(session, case, text=text, now=now, direction="system")
                case.told_position, case.told_eta, case.told_at = pos, eta, now
                told += 1
        return told
