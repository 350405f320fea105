"""Read-side of the queue: places, load per team, handling times, estimates, listings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.claims import PRIORITY
from hotline_router.models import Case, Operator
from hotline_router.router import TeamLoad, eta_minutes, handle_minutes
from hotline_router.routing import Routing


def serves(operator: Operator, team: str) -> bool:
    """An operator without teams, and every supervisor, works on all teams."""
    return operator.is_supervisor or not operator.teams or team in operator.teams


def operator_teams(operator: Operator) -> list[str] | None:
    """The teams whose queue this operator sees; None means every team."""
    return None if operator.is_supervisor or not operator.teams else list(operator.teams)


async def position(session: AsyncSession, case: Case) -> int:
    """1 = next for the team. Priority: risk level first, then time waited."""
    ahead = await session.scalar(select(func.count(Case.id)).where(
        Case.status == "queued", Case.team == case.team,
        or_(Case.risk_rank > case.risk_rank,
            and_(Case.risk_rank == case.risk_rank,
                 or_(Case.queued_at < case.queued_at,
                     and_(Case.queued_at == case.queued_at, Case.id < case.id))))))
    return int(ahead or 0) + 1


async def queued_with_positions(session: AsyncSession) -> list[tuple[Case, int]]:
    """Every waiting case with its place in its team's queue (for the watcher)."""
    cases = (await session.scalars(select(Case).where(Case.status == "queued")
                                   .order_by(Case.team, *PRIORITY))).all()
    counters: dict[str, int] = defaultdict(int)
    out = []
    for case in cases:
        counters[case.team] += 1
        out.append((case, counters[case.team]))
    return out


async def online_operators(session: AsyncSession, *, now: dt.datetime, window_s: int) -> list[Operator]:
    since = now - dt.timedelta(seconds=window_s)
    return list((await session.scalars(select(Operator).where(
        Operator.active.is_(True), Operator.last_seen_at >= since))).all())


async def team_loads(session: AsyncSession, routing: Routing, *, now: dt.datetime,
                     window_s: int) -> dict[str, TeamLoad]:
    online = await online_operators(session, now=now, window_s=window_s)
    counts = (await session.execute(select(Case.team, Case.status, func.count(Case.id))
                                    .where(Case.status.in_(("queued", "assigned")))
                                    .group_by(Case.team, Case.status))).all()
    by: dict[tuple[str, str], int] = {(team, status): int(n) for team, status, n in counts}
    return {t.id: TeamLoad(online=sum(1 for op in online if serves(op, t.id)),
                           busy=by.get((t.id, "assigned"), 0), queued=by.get((t.id, "queued"), 0))
            for t in routing.teams}


async def recent_handle_seconds(session: AsyncSession, *, team: str | None = None,
                                limit: int = 50) -> list[float]:
    query = (select(Case.first_assigned_at, Case.closed_at)
             .where(Case.closed_at.is_not(None), Case.first_assigned_at.is_not(None))
             .order_by(Case.closed_at.desc()).limit(limit))
    if team is not None:
        query = query.where(Case.team == team)
    rows = (await session.execute(query)).all()
    return [(closed - assigned).total_seconds() for assigned, closed in rows if assigned and closed]


async def estimate(session: AsyncSession, routing: Routing, case: Case, *, now: dt.datetime,
                   window_s: int, loads: dict[str, TeamLoad] | None = None) -> tuple[int, int | None]:
    """(place in the queue, minutes to wait or None when nobody is online to make it true)."""
    pos = await position(session, case)
    loads = loads if loads is not None else await team_loads(session, routing, now=now,
                                                             window_s=window_s)
    team = routing.team(case.team)
    if not team.is_open(now):
        return pos, None
    durations = await recent_handle_seconds(session, team=case.team)
    if len(durations) < 5:
        durations = await recent_handle_seconds(session)
    handle = handle_minutes(durations, routing.default_handle_minutes)
    return pos, eta_minutes(position=pos, team=team, load=loads.get(case.team, TeamLoad()),
                            handle=handle)


async def list_queue(session: AsyncSession, *, teams: Sequence[str] | None,
                     limit: int) -> tuple[list[Case], int]:
    where = [Case.status == "queued"]
    if teams is not None:
        where.append(Case.team.in_(list(teams)))
    total = await session.scalar(select(func.count(Case.id)).where(*where))
    rows = (await session.scalars(select(Case).where(*where).order_by(*PRIORITY).limit(limit))).all()
    return list(rows), int(total or 0)


async def assigned_cases(session: AsyncSession, *, operator_id: int | None) -> list[Case]:
    """Open cases held by this operator (all held cases when None, for supervisors)."""
    query = select(Case).where(Case.status == "assigned").order_by(Case.assigned_at)
    if operator_id is not None:
        query = query.where(Case.assigned_to == operator_id)
    return list((await session.scalars(query)).all())


async def open_count(session: AsyncSession, operator_id: int) -> int:
    return int(await session.scalar(select(func.count(Case.id)).where(
        Case.status == "assigned", Case.assigned_to == operator_id)) or 0)
