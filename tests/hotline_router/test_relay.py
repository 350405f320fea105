"""Operator replies: committed to the outbox, delivered in order per person, retried on a
passing failure, marked failed (and shown on the case) on a lasting one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hotline_router.models import Case, Message
from hotline_router.operations import Operations
from hotline_router.relay import DeliveryResult
from hotline_router.service import Hotline

from .conftest import Clock, operator, person, raise_case


class FlakySender:
    """Fails the given texts a number of times, then delivers; records what arrived."""

    def __init__(self, failures: dict[str, int] | None = None, permanent: set[str] | None = None) -> None:
        self.failures, self.permanent = dict(failures or {}), permanent or set()
        self.got: list[tuple[str, str]] = []

    async def send(self, external_id: str, text: str) -> DeliveryResult:
        key = text.split(": ", 1)[-1]
        if key in self.permanent:
            return DeliveryResult(ok=False, retry=False, error="blocked by the user")
        if self.failures.get(key, 0) > 0:
            self.failures[key] -= 1
            return DeliveryResult(ok=False, error="network down")
        self.got.append((external_id, key))
        return DeliveryResult(ok=True)


async def _claimed_case(hotline: Hotline, name: str) -> tuple[int, Operations, object]:
    case_id = (await raise_case(hotline, await person(hotline, name))).case_id
    op = await operator(hotline, f"op-{name}")
    ops = Operations(hotline)
    await ops.claim(op, case_id, ip="t")
    return case_id, ops, op


async def test_replies_keep_their_order_through_retries(hotline: Hotline, clock: Clock) -> None:
    case_id, ops, op = await _claimed_case(hotline, "p1")
    sender = FlakySender(failures={"two": 2})
    hotline.senders.register("test", sender)
    for text in ("one", "two", "three"):
        await ops.reply(op, case_id, text, ip="t")  # type: ignore[arg-type]
    await hotline.delivery.run_once()
    # "two" failed: "three" must wait behind it, even though it could go.
    assert [t for _, t in sender.got] == [sender.got[0][1], "one"]
    for _ in range(3):
        clock.advance(seconds=61)
        await hotline.delivery.run_once()
    assert [t for _, t in sender.got][1:] == ["one", "two", "three"]
    async with hotline.sessions() as session:
        statuses = (await session.scalars(select(Message.status).where(
            Message.case_id == case_id, Message.direction == "out"))).all()
    assert set(statuses) == {"sent"}


async def test_a_lasting_failure_is_shown_on_the_case(hotline: Hotline) -> None:
    case_id, ops, op = await _claimed_case(hotline, "p2")
    sender = FlakySender(permanent={"lost"})
    hotline.senders.register("test", sender)
    await ops.reply(op, case_id, "lost", ip="t")  # type: ignore[arg-type]
    await ops.reply(op, case_id, "after", ip="t")  # type: ignore[arg-type]
    await hotline.delivery.run_once()
    assert [t for _, t in sender.got][-1] == "after"  # a failed message does not block the rest
    async with hotline.sessions() as session:
        case = await session.get(Case, case_id)
        failed = (await session.scalars(select(Message).where(Message.status == "failed"))).all()
    assert case is not None and case.delivery_failed
    assert [m.error for m in failed] == ["blocked by the user"]


async def test_without_a_sender_replies_wait(hotline: Hotline) -> None:
    case_id, ops, op = await _claimed_case(hotline, "p3")
    await ops.reply(op, case_id, "hello", ip="t")  # type: ignore[arg-type]
    assert await hotline.delivery.run_once() == 0
    sender = FlakySender()
    hotline.senders.register("test", sender)
    assert await hotline.delivery.run_once() == 2  # the "operator joined" notice, then the reply
    assert sender.got[-1][1] == "hello"


async def test_a_backlog_for_other_transports_or_not_due_does_not_starve_a_reply(hotline: Hotline,
                                                                                clock: Clock) -> None:
    case_id, ops, op = await _claimed_case(hotline, "p4")
    later = clock() + dt.timedelta(hours=1)
    async with hotline.sessions.begin() as session:
        # 500 terminal-chat messages (no sender in this process) and 500 for people waiting
        # for a retry, all older than the reply.
        session.add_all([Message(case_id=case_id, direction="out", text="t", transport="chat",
                                 external_id=f"c{i}", status="pending") for i in range(500)])
        session.add_all([Message(case_id=case_id, direction="out", text="t", transport="test",
                                 external_id=f"w{i}", status="pending", attempts=1, next_attempt_at=later)
                         for i in range(500)])
    sender = FlakySender()
    hotline.senders.register("test", sender)
    await ops.reply(op, case_id, "you are heard", ip="t")  # type: ignore[arg-type]
    assert await hotline.delivery.run_once() == 2  # the "operator joined" notice, then the reply
    assert sender.got[-1][1] == "you are heard"
    assert not [ext for ext, _ in sender.got if ext.startswith("w")]  # still waiting for their retry


async def test_a_persons_later_reply_waits_behind_one_not_yet_due(hotline: Hotline, clock: Clock) -> None:
    case_id, ops, op = await _claimed_case(hotline, "p5")
    sender = FlakySender(failures={"first": 1})
    hotline.senders.register("test", sender)
    await ops.reply(op, case_id, "first", ip="t")  # type: ignore[arg-type]
    await hotline.delivery.run_once()  # "first" fails and waits for its retry
    await ops.reply(op, case_id, "second", ip="t")  # type: ignore[arg-type]
    await hotline.delivery.run_once()
    assert "second" not in [t for _, t in sender.got]  # order kept: not selected past its head
    clock.advance(seconds=61)
    await hotline.delivery.run_once()
    assert [t for _, t in sender.got][-2:] == ["first", "second"]
