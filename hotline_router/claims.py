"""Atomic claims: two operators can never hold one case.

PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` picks a row no other transaction is taking,
then the UPDATE (still guarded by `status = 'queued'`). SQLite has no row locks: a conditional
`UPDATE ... WHERE status = 'queued'` is the claim, and its row count says who won (SQLite runs
one writer at a time, so exactly one UPDATE sees the row still queued).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import ColumnElement, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.cases import Actor, record
from hotline_router.models import Case, UTCDateTime

ClaimResult = Literal["claimed", "already_yours", "taken", "closed", "missing"]
PRIORITY = (Case.risk_rank.desc(), Case.queued_at, Case.id)


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def _take(session: AsyncSession, case_id: int, actor: Actor, now: dt.datetime) -> bool:
    result = await session.execute(
        update(Case).where(Case.id == case_id, Case.status == "queued")
        .values(status="assigned", assigned_to=actor.operator_id, assigned_at=now,
                first_assigned_at=func.coalesce(Case.first_assigned_at, literal(now, UTCDateTime())))
        .execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def _won(session: AsyncSession, case_id: int, actor: Actor, now: dt.datetime) -> Case:
    case = await session.get(Case, case_id, populate_existing=True)
    assert case is not None
    record(session, case, "claimed", actor, now)
    return case


async def claim(session: AsyncSession, case_id: int, *, actor: Actor, now: dt.datetime) -> ClaimResult:
    """Take one case. Idempotent: claiming a case you already hold is not an error."""
    if _postgres(session):
        locked = await session.scalar(
            select(Case.id).where(Case.id == case_id, Case.status == "queued")
            .with_for_update(skip_locked=True))
        won = locked is not None and await _take(session, case_id, actor, now)
    else:
        won = await _take(session, case_id, actor, now)
    if won:
        await _won(session, case_id, actor, now)
        return "claimed"
    row = (await session.execute(select(Case.status, Case.assigned_to).where(Case.id == case_id))).first()
    if row is None:
        return "missing"
    if row.status == "assigned" and row.assigned_to == actor.operator_id:
        return "already_yours"
    return "closed" if row.status == "closed" else "taken"


async def claim_next(session: AsyncSession, *, actor: Actor, teams: Sequence[str] | None,
                     now: dt.datetime, attempts: int = 50) -> Case | None:
    """Take the most urgent waiting case of these teams (all teams when None)."""
    where: list[ColumnElement[bool]] = [Case.status == "queued"]
    if teams is not None:
        where.append(Case.team.in_(list(teams)))
    pick = select(Case.id).where(*where).order_by(*PRIORITY).limit(1)
    if _postgres(session):
        case_id = await session.scalar(pick.with_for_update(skip_locked=True))
        if case_id is None or not await _take(session, case_id, actor, now):
            return None
        return await _won(session, case_id, actor, now)
    for _ in range(attempts):
        case_id = await session.scalar(pick)
        if case_id is None:
            return None
        if await _take(session, case_id, actor, now):
            return await _won(session, case_id, actor, now)
        # Someone else took it between our read and our write: read again and retry.
    return None
