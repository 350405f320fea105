"""The hotline's events: observers (the operators' forum) hear of claims, transfers, closes,
reopens, replies and a person leaving, after the commit, in order; and a person who sends a
command or presses a button during a handoff is told a person handles the conversation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline_router.events import CaseChange, after_commit
from hotline_router.models import Message
from hotline_router.operations import Operations
from hotline_router.service import Hotline, HotlineHandoff

from .conftest import operator, person, raise_case


async def test_operator_actions_are_told_to_observers_in_order(hotline: Hotline) -> None:
    heard: list[CaseChange] = []

    async def observer(change: CaseChange) -> None:
        heard.append(change)

    hotline.events.subscribe(observer)
    alice = await operator(hotline, "alice", role="supervisor")
    await operator(hotline, "bob")
    ops = Operations(hotline)
    case_id = (await raise_case(hotline, await person(hotline, "p"))).case_id
    await ops.claim(alice, case_id, ip="t")
    await ops.claim(alice, case_id, ip="t")  # already hers: nothing new to tell
    await ops.reply(alice, case_id, "  Здравствуйте  ", ip="t")
    await ops.reply(alice, case_id, "from the topic", ip="telegram", via="forum")
    await ops.transfer(alice, case_id, operator="bob", ip="t")
    await ops.transfer(alice, case_id, team="general", ip="t")
    await ops.close(alice, case_id, outcome="advice_given", tags=[], ip="t")
    await ops.close(alice, case_id, outcome="advice_given", tags=[], ip="t")  # a double click
    await ops.reopen(alice, case_id, ip="t")
    await hotline.events.drain()
    assert [(c.kind, c.via) for c in heard] == [
        ("claimed", "console"), ("replied", "console"), ("replied", "forum"), ("transferred", "console"),
        ("transferred", "console"), ("closed", "console"), ("reopened", "console")]
    assert {c.case_id for c in heard} == {case_id} and {c.by for c in heard} == {"alice"}
    assert heard[1].text == "Здравствуйте"
    assert heard[3].detail == {"to_operator": "bob"} and heard[4].detail == {"to_team": "Duty team"}
    assert heard[5].detail == {"outcome": "advice_given"}


async def test_a_failing_observer_does_not_undo_the_action(hotline: Hotline) -> None:
    async def broken(change: CaseChange) -> None:
        raise RuntimeError("the group is down")

    heard: list[str] = []

    async def fine(change: CaseChange) -> None:
        heard.append(change.kind)

    hotline.events.subscribe(broken)
    hotline.events.subscribe(fine)
    alice = await operator(hotline, "alice")
    case_id = (await raise_case(hotline, await person(hotline, "p"))).case_id
    assert await Operations(hotline).claim(alice, case_id, ip="t") == "claimed"
    await hotline.events.drain()
    assert heard == ["claimed"]


async def test_leaving_the_queue_is_told_after_the_commit_only(hotline: Hotline) -> None:
    heard: list[CaseChange] = []

    async def observer(change: CaseChange) -> None:
        heard.append(change)

    hotline.events.subscribe(observer)
    user = await person(hotline, "p")
    case_id = (await raise_case(hotline, user)).case_id
    handoff = HotlineHandoff(hotline)
    session = hotline.sessions()
    async with session:
        assert await handoff.cancel(session, user=user)
        await session.rollback()  # the update failed after all: nothing happened
    await hotline.events.drain()
    assert heard == []
    async with hotline.sessions.begin() as session:
        assert await handoff.cancel(session, user=user)
        await hotline.events.drain()
        assert heard == []  # not before the commit
    await hotline.events.drain()
    assert [(c.kind, c.case_id, c.via) for c in heard] == [("cancelled", case_id, "person")]


async def test_after_commit_waits_for_the_outer_transaction(hotline: Hotline) -> None:
    ran: list[str] = []
    async with hotline.sessions.begin() as session:
        after_commit(session, lambda: ran.append("outer"))
        async with session.begin_nested():
            pass  # a savepoint released: not yet
        assert ran == []
    assert ran == ["outer"]


@pytest.mark.parametrize(("kind", "text"), [("command", "menu"), ("command", "help"),
                                             ("command", "human"), ("button", "t:docs_patent")])
async def test_commands_during_a_handoff_get_a_notice(hotline: Hotline, kind: str, text: str) -> None:
    user = await person(hotline, "p", lang="tg")
    case_id = (await raise_case(hotline, user, lang="tg")).case_id
    hotline.delivery._wake.clear()
    async with hotline.sessions.begin() as session:
        await HotlineHandoff(hotline).relay_from_person(session, case_id=case_id, user=user, kind=kind,
                                                        text=text, meta={})
        assert not hotline.delivery._wake.is_set()  # the worker would not see it yet
    assert hotline.delivery._wake.is_set()  # woken once it is committed
    async with hotline.sessions() as session:
        rows = (await session.scalars(select(Message).where(Message.case_id == case_id)
                                      .order_by(Message.id))).all()
    assert [(m.direction, m.kind) for m in rows] == [("in", kind), ("system", "text")]
    notice = rows[1].text
    assert "/cancel" in notice and "хати боварӣ" in notice  # in the person's language (tg)
    assert rows[1].status == "pending"  # delivered by the outbox worker, in order


async def test_plain_messages_during_a_handoff_get_no_notice(hotline: Hotline) -> None:
    user = await person(hotline, "p")
    case_id = (await raise_case(hotline, user)).case_id
    async with hotline.sessions.begin() as session:
        for kind, text, meta in [("text", "Помогите", {}), ("media", "", {"media_type": "voice"})]:
            await HotlineHandoff(hotline).relay_from_person(session, case_id=case_id, user=user, kind=kind,
                                                            text=text, meta=meta)
    async with hotline.sessions() as session:
        directions = (await session.scalars(select(Message.direction).where(Message.case_id == case_id))).all()
    assert directions == ["in", "in"]
