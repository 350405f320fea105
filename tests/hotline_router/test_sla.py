"""SLA escalation (flag, event, console alert, supervisors' chat) and queue-position notices."""

from __future__ import annotations

from sqlalchemy import select

from hotline_router.models import Alert, Case, Message
from hotline_router.operations import Operations
from hotline_router.relay import DeliveryResult
from hotline_router.service import Hotline
from hotline_router.sla import ChatNotifier

from .conftest import Clock, operator, person, raise_case


async def test_escalates_once_past_the_limit_and_tells_supervisors(hotline: Hotline, clock: Clock) -> None:
    posted: list[tuple[int, str]] = []

    async def send(chat_id: int, text: str) -> DeliveryResult:
        posted.append((chat_id, text))
        return DeliveryResult(ok=True)

    hotline.add_notifier(ChatNotifier(send, chat_id=-100))
    high = (await raise_case(hotline, await person(hotline, "h"), level="high")).case_id
    low = (await raise_case(hotline, await person(hotline, "n"), level="none")).case_id
    clock.advance(minutes=4)
    assert await hotline.watcher.run_once() == []
    clock.advance(minutes=2)  # 6 min: past the 5-minute limit of high risk, not the 60 of none
    escalated = await hotline.watcher.run_once()
    assert [e.case_id for e in escalated] == [high]
    assert await hotline.watcher.run_once() == []  # flagged once, not every tick
    async with hotline.sessions() as session:
        case = await session.get(Case, high)
        assert case is not None and case.escalated_at is not None
        other = await session.get(Case, low)
        assert other is not None and other.escalated_at is None
        alerts = (await session.scalars(select(Alert))).all()
    assert len(alerts) == 1 and f"#{high}" in alerts[0].message
    assert posted == [(-100, alerts[0].message)]
    assert "passport" not in alerts[0].message  # no personal data in alerts


async def test_a_claimed_case_is_not_escalated(hotline: Hotline, clock: Clock) -> None:
    case_id = (await raise_case(hotline, await person(hotline, "h"), level="high")).case_id
    op = await operator(hotline, "alice")
    await Operations(hotline).claim(op, case_id, ip="t")
    clock.advance(minutes=30)
    assert await hotline.watcher.run_once() == []


async def test_people_are_told_when_their_place_changes(hotline: Hotline, clock: Clock) -> None:
    op = await operator(hotline, "alice", online=True)
    ids = [(await raise_case(hotline, await person(hotline, f"p{i}"))).case_id for i in range(4)]
    ops = Operations(hotline)
    await ops.claim(op, ids[0], ip="t")
    clock.advance(minutes=5)  # past the notice throttle
    await hotline.watcher.tell_positions()
    async with hotline.sessions() as session:
        notes = (await session.execute(select(Message.case_id, Message.text).where(
            Message.direction == "system", Message.case_id != ids[0]))).all()
    told = {case_id: text for case_id, text in notes}
    assert set(told) == {ids[1], ids[2], ids[3]}  # each moved up one place within the top three
    assert "1" in told[ids[1]]
    clock.advance(minutes=5)
    assert await hotline.watcher.tell_positions() == 0  # nothing changed: no message
