"""Case lifecycle on SQLite and PostgreSQL: queue, claim, transfer, close, reopen, cancel,
priority, and the engine's port (`HotlineHandoff`)."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline_router import cases, claims, queue
from hotline_router.models import Case, CaseEvent, Message
from hotline_router.operations import Operations
from hotline_router.service import Hotline, HotlineHandoff

from .conftest import operator, person, raise_case


async def _events(hotline: Hotline, case_id: int) -> list[str]:
    async with hotline.sessions() as session:
        rows = await session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)
                                     .order_by(CaseEvent.id))
        return list(rows.all())


async def _case(hotline: Hotline, case_id: int) -> Case:
    async with hotline.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return case


async def test_queue_claim_transfer_close_reopen(hotline: Hotline) -> None:
    user = await person(hotline, "p1", country="RU", lang="tg")
    ticket = await raise_case(hotline, user, level="high", lang="tg",
                              transcript=[{"direction": "in", "text": "hi", "topic": "docs_patent"}])
    assert ticket.position == 1
    again = await raise_case(hotline, user, level="high", lang="tg")
    assert again.case_id == ticket.case_id  # a retried request does not queue them twice
    case = await _case(hotline, ticket.case_id)
    assert (case.status, case.team, case.topics) == ("queued", "tajik", ["docs_patent"])

    ops = Operations(hotline)
    alice = await operator(hotline, "alice", teams=["tajik"])
    bob = await operator(hotline, "bob")
    assert await ops.claim(alice, case.id, ip="t") == "claimed"
    assert await ops.claim(alice, case.id, ip="t") == "already_yours"  # idempotent
    async with hotline.sessions.begin() as session:
        assert await claims.claim(session, case.id, actor=cases.Actor("operator", bob.id, "bob"),
                                  now=hotline.clock()) == "taken"

    await ops.transfer(alice, case.id, team="general", ip="t")
    case = await _case(hotline, case.id)
    assert (case.status, case.team, case.assigned_to) == ("queued", "general", None)
    assert await ops.claim(bob, case.id, ip="t") == "claimed"  # bob has no teams: sees all

    assert await ops.close(bob, case.id, outcome="advice_given", tags=["documents_taken"], ip="t")
    assert not await ops.close(bob, case.id, outcome="advice_given", tags=[], ip="t")  # twice: no-op
    case = await _case(hotline, case.id)
    assert (case.status, case.outcome, case.tags) == ("closed", "advice_given", ["documents_taken"])
    async with hotline.sessions() as session:
        assert await HotlineHandoff(hotline).open_case_id(session, user=user) is None

    await ops.reopen(bob, case.id, ip="t")
    assert (await _case(hotline, case.id)).status == "queued"
    assert await _events(hotline, case.id) == [
        "created", "claimed", "transferred", "claimed", "closed", "reopened"]
    async with hotline.sessions() as session:
        notices = (await session.scalars(select(Message.direction).where(
            Message.case_id == case.id))).all()
    assert notices.count("system") == 4  # joined, joined, closed, reopened


async def test_person_messages_and_cancel(hotline: Hotline) -> None:
    user = await person(hotline, "p2")
    ticket = await raise_case(hotline, user)
    port = HotlineHandoff(hotline)
    async with hotline.sessions.begin() as session:
        assert await port.open_case_id(session, user=user) == ticket.case_id
        await port.relay_from_person(session, case_id=ticket.case_id, user=user, kind="text",
                                     text="they took my passport", meta={})
        await port.relay_from_person(session, case_id=ticket.case_id, user=user, kind="media",
                                     text="", meta={"media_type": "voice"})
    async with hotline.sessions.begin() as session:
        assert await port.cancel(session, user=user)
        assert not await port.cancel(session, user=user)  # nothing left to cancel
    case = await _case(hotline, ticket.case_id)
    assert (case.status, case.outcome) == ("closed", "cancelled_by_person")
    async with hotline.sessions() as session:
        texts = (await session.scalars(select(Message.text).where(Message.case_id == case.id)
                                       .order_by(Message.id))).all()
    assert texts == ["they took my passport", "[voice]"]
    assert await _events(hotline, case.id) == ["created", "cancelled"]


async def test_priority_risk_first_then_waiting_time(hotline: Hotline) -> None:
    order = [("a", "none"), ("b", "elevated"), ("c", "none"), ("d", "high"), ("e", "elevated")]
    ids = {}
    for name, level in order:
        hotline.clock.advance(minutes=1)  # type: ignore[attr-defined]
        ids[name] = (await raise_case(hotline, await person(hotline, name), level=level)).case_id
    async with hotline.sessions() as session:
        listed, total = await queue.list_queue(session, teams=None, limit=10)
        assert [c.id for c in listed] == [ids[n] for n in "dbeac"] and total == 5
        positions = [await queue.position(session, c) for c in listed]
        assert positions == [1, 2, 3, 4, 5]
    op = await operator(hotline, "carol")
    first = await Operations(hotline).claim_next(op, ip="t")
    assert first == ids["d"]


async def test_overflow_when_the_team_is_full(hotline: Hotline) -> None:
    alice = await operator(hotline, "alice", teams=["tajik"], online=True)
    await operator(hotline, "duty", teams=["general"], online=True)
    ops = Operations(hotline)
    for name in ("t1", "t2"):
        ticket = await raise_case(hotline, await person(hotline, name, lang="tg"), lang="tg")
        assert (await _case(hotline, ticket.case_id)).team == "tajik"
        await ops.claim(alice, ticket.case_id, ip="t")
    # alice holds two cases = the team's capacity: the next one overflows to the fallback.
    ticket = await raise_case(hotline, await person(hotline, "t3", lang="tg"), lang="tg")
    case = await _case(hotline, ticket.case_id)
    assert (case.team, case.preferred_team) == ("general", "tajik")
    assert ticket.eta_minutes == 1  # the duty operator is free


async def test_out_of_hours_gets_numbers_at_once(hotline: Hotline) -> None:
    hotline.clock.advance(hours=13, minutes=30)  # type: ignore[attr-defined]  # 23:30 Moscow
    ticket = await raise_case(hotline, await person(hotline, "night", lang="ru"))
    assert ticket.out_of_hours and ticket.eta_minutes is None
    text = "\n".join(ticket.notices)
    assert "+7 966 031-22-22" in text and "112" in text and "19.03" in text
    # Each number with what it is (domain brief, section 4): the Ministry's line is the 495 one.
    assert "+7 966 031-22-22 (Московский регион)" in text
    assert "+7 495 967-98-44 (горячая линия Минтруда Таджикистана, 9:00–18:00 по Москве)" in text
    case = await _case(hotline, ticket.case_id)
    assert case.status == "queued" and case.out_of_hours
    # Not high risk: the SLA clock starts when the Tajik team opens (09:00 Moscow = 06:00 UTC)
    # and runs 60 minutes.
    assert (case.sla_due_at.hour, case.sla_due_at.minute) == (7, 0)


async def test_capacity_refuses_one_claim_too_many(hotline: Hotline) -> None:
    op = await operator(hotline, "solo", teams=["tajik"])
    ops = Operations(hotline)
    tickets = [await raise_case(hotline, await person(hotline, f"c{i}", lang="tg"), lang="tg")
               for i in range(3)]
    for t in tickets[:2]:
        await ops.claim(op, t.case_id, ip="t")
    try:
        await ops.claim(op, tickets[2].case_id, ip="t")
    except Exception as exc:  # ActionError
        assert getattr(exc, "status", None) == 409
    else:
        raise AssertionError("a third claim went through")
    async with hotline.sessions() as session:
        assert await session.scalar(select(func.count(Case.id)).where(Case.status == "assigned")) == 2
