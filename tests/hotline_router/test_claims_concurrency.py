"""Two operators can never hold one case: many concurrent claimers on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import func, select

from hotline_router import claims
from hotline_router.cases import Actor
from hotline_router.models import Case, CaseEvent, Operator
from hotline_router.service import Hotline

from .conftest import person, raise_case


async def _operators(hotline: Hotline, n: int) -> list[Actor]:
    async with hotline.sessions.begin() as session:
        # No argon2 here: these accounts never log in, and hashing 40 passwords is slow.
        ops = [Operator(username=f"op{i}", password_hash="x", role="operator", teams=[]) for i in range(n)]
        session.add_all(ops)
    return [Actor("operator", op.id, op.username) for op in ops]


async def test_many_claimers_one_case(hotline: Hotline) -> None:
    case_id = (await raise_case(hotline, await person(hotline, "p"), level="high")).case_id
    actors = await _operators(hotline, 40)

    async def attempt(actor: Actor) -> str:
        async with hotline.sessions.begin() as session:
            return await claims.claim(session, case_id, actor=actor, now=hotline.clock())

    results = Counter(await asyncio.gather(*(attempt(a) for a in actors)))
    assert results["claimed"] == 1
    assert results["taken"] == 39
    async with hotline.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and case.status == "assigned"
        claimed = await session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.kind == "claimed"))
    assert claimed == 1


async def test_many_claimers_take_next_without_double_claims(hotline: Hotline) -> None:
    for i in range(60):
        await raise_case(hotline, await person(hotline, f"p{i}"), level=("high", "none")[i % 2])
    actors = await _operators(hotline, 20)
    taken: list[tuple[int, int]] = []

    async def worker(actor: Actor) -> None:
        while True:
            async with hotline.sessions.begin() as session:
                case = await claims.claim_next(session, actor=actor, teams=None, now=hotline.clock())
            if case is None:
                async with hotline.sessions() as session:
                    left = await session.scalar(select(func.count(Case.id)).where(Case.status == "queued"))
                if not left:
                    return
                continue  # skipped rows that others held locked: look again
            taken.append((case.id, actor.operator_id or 0))

    await asyncio.wait_for(asyncio.gather(*(worker(a) for a in actors)), timeout=120)
    ids = [case_id for case_id, _ in taken]
    assert len(ids) == 60 and len(set(ids)) == 60
    async with hotline.sessions() as session:
        rows = (await session.execute(select(Case.id, Case.assigned_to))).all()
        per_case = Counter((await session.scalars(select(CaseEvent.case_id).where(
            CaseEvent.kind == "claimed"))).all())
    assert {r.id: r.assigned_to for r in rows} == dict(taken)
    assert set(per_case.values()) == {1}
