"""The hotline as one object (`Hotline`) and its port for the dialogue engine (`HotlineHandoff`).

`HotlineHandoff` implements the engine's `HandoffPort` with the real queue. It writes through
the engine's own session, so the case and the person's messages are committed together with
the conversation, before the transport answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline_router import cases, notices
from hotline_router.config import HotlineSettings
from hotline_router.events import CaseChange, CaseEvents, after_commit
from hotline_router.models import Case, utcnow
from hotline_router.queue import estimate, team_loads
from hotline_router.relay import DeliveryWorker, SenderRegistry
from hotline_router.router import choose_team
from hotline_router.routing import Routing, load_routing
from hotline_router.sla import ConsoleNotifier, Notifier, Watcher

log = structlog.get_logger(__name__)
Clock = Callable[[], dt.datetime]
# What a person sends during a handoff that would get an answer from the bot at other times:
# they get a short notice that a person handles the conversation (and how to leave).
TOLD_WHO_ANSWERS = ("command", "button")


@dataclass(frozen=True)
class Ticket:
    """The engine's view of a queued case (fits `bot.engine.handoff.TicketLike`)."""

    case_id: int
    position: int | None = None
    eta_minutes: int | None = None
    out_of_hours: bool = False
    notices: tuple[str, ...] = ()


class Hotline:
    """Routing, the outbox worker, the SLA watcher and the clock, shared by every entry point."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], settings: HotlineSettings,
                 catalogs: notices.CatalogsLike, routing: Routing | None = None,
                 clock: Clock = utcnow, senders: SenderRegistry | None = None) -> None:
        self.sessions, self.settings, self.catalogs, self.clock = sessions, settings, catalogs, clock
        self.routing = routing if routing is not None else load_routing(settings.routing_file)
        self.senders = senders or SenderRegistry()
        self.delivery = DeliveryWorker(sessions, self.senders, clock=clock,
                                       max_attempts=settings.delivery_max_attempts,
                                       interval_s=settings.delivery_interval_s)
        self.notifiers: list[Notifier] = [ConsoleNotifier(sessions, clock)]
        # Claims, transfers, closes and replies, told after the commit (e.g. to the forum).
        self.events = CaseEvents()
        self.watcher = Watcher(sessions, lambda: self.routing, catalogs=catalogs,
                               notifiers=self.notifiers, sla_minutes=settings.sla_minutes.for_level,
                               clock=clock, interval_s=settings.watch_interval_s,
                               notice_min_interval_s=settings.notice_min_interval_s,
                               online_window_s=settings.online_window_s,
                               on_outbox=self.delivery.wake)

    def add_notifier(self, notifier: Notifier) -> None:
        """E.g. the Telegram service's `ChatNotifier` for the supervisors' chat."""
        self.notifiers.append(notifier)

    def reload_routing(self) -> None:
        """Re-read the routing file; a broken file keeps the last good rules (and raises)."""
        self.routing = load_routing(self.settings.routing_file)

    def sla_due(self, level: str, team_id: str, now: dt.datetime) -> dt.datetime:
        """The clock runs from now, or from the opening time when the team is closed; a
        person at high risk is never left to the morning: their clock runs at once."""
        start = now
        if level != "high":
            start = self.routing.team(team_id).next_open(now) or now
        return start + dt.timedelta(minutes=self.settings.sla_minutes.for_level(level))

    def translator(self, lang: str | None) -> notices.TranslatorLike:
        return notices.translator(self.catalogs, lang)

    def outbox_changed(self) -> None:
        self.delivery.wake()


class HotlineHandoff:
    """The engine's `HandoffPort` on the real queue."""

    def __init__(self, hotline: Hotline) -> None:
        self.hotline = hotline

    def open_case_column(self, user_id: ColumnElement[int]) -> ColumnElement[int | None]:
        """The open case's id in SQL, for the engine to read with the person's row."""
        return cases.open_case_id_of(user_id)

    async def open_case_id(self, session: AsyncSession, *, user: cases.PersonLike) -> int | None:
        case = await cases.open_case(session, user.id)
        return case.id if case is not None else None

    async def request(self, session: AsyncSession, *, user: cases.PersonLike, lang: str, level: str,
                      indicators: Sequence[str], evidence: Sequence[dict[str, Any]],
                      transcript: Sequence[dict[str, Any]]) -> Ticket:
        h = self.hotline
        now, routing, settings = h.clock(), h.routing, h.settings
        loads = await team_loads(session, routing, now=now, window_s=settings.online_window_s)
        decision = choose_team(routing, lang=lang, country=user.country, now=now, loads=loads)
        case, created = await cases.create(
            session, person=user, lang=lang, level=level, indicators=indicators, evidence=evidence,
            transcript=transcript, team=decision.team, preferred_team=decision.preferred,
            out_of_hours=decision.out_of_hours, sla_due_at=h.sla_due(level, decision.team, now),
            now=now)
        if created:
            log.info("hotline.queued", case=case.id, team=case.team, level=level,
                     overflowed=decision.overflowed, out_of_hours=decision.out_of_hours)
        position, eta = await estimate(session, routing, case, now=now,
                                       window_s=settings.online_window_s, loads=loads)
        if case.status != "queued":  # an operator already holds their earlier request
            return Ticket(case_id=case.id)
        _ = h.translator(lang)
        extra: list[str] = []
        team = routing.team(case.team)
        if not team.is_open(now):
            extra.append(notices.out_of_hours(_, routing=routing, team=team, country=user.country,
                                              lang=lang, now=now))
        elif eta is None:
            extra.append(notices.nobody_online(_))
        case.told_position, case.told_eta, case.told_at = position, eta, now
        return Ticket(case_id=case.id, position=position, eta_minutes=eta,
                      out_of_hours=not team.is_open(now), notices=tuple(extra))

    async def relay_from_person(self, session: AsyncSession, *, case_id: int, user: cases.PersonLike,
                                kind: str, text: str, meta: dict[str, Any]) -> None:
        case = await session.get(Case, case_id)
        if case is None or case.user_id != user.id:
            log.warning("hotline.relay_unknown_case", case=case_id)
            return
        if kind == "media":
            text = f"[{meta.get('media_type') or 'media'}] {text}".strip()
        elif kind == "button":
            text = f"[button] {text}"
        now = self.hotline.clock()
        cases.add_incoming(session, case, kind=kind, text=text, now=now)
        if kind in TOLD_WHO_ANSWERS:
            # /menu, /help, /human again, an old button: the bot does not answer them while a
            # person owns the conversation, so the person is told why (delivered after the
            # commit, in order with the operator's replies).
            cases.enqueue_outgoing(session, case, now=now, direction="system",
                                   text=notices.handled_by_person(self.hotline.translator(case.lang)))
            after_commit(session, self.hotline.outbox_changed)

    async def cancel(self, session: AsyncSession, *, user: cases.PersonLike) -> bool:
        case = await cases.cancel_by_person(session, user.id, self.hotline.clock())
        if case is not None:
            log.info("hotline.cancelled", case=case.id)
            change = CaseChange("cancelled", case.id, via="person")
            after_commit(session, lambda: self.hotline.events.emit(change))
        return case is not None
