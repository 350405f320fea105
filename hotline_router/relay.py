"""Delivery of operator replies and notices: an outbox in the database, sent in order.

A reply is committed to `hotline_messages` (status `pending`) before the console says "sent";
this worker delivers it through the `Sender` of the person's transport ("chat" now, "telegram"
by the Telegram service). Per person the order is kept: a later message never overtakes an
earlier one that is still being retried. A message is leased (`sending`) while it is sent,
so two workers do not send it twice; a lease left by a killed process runs out and the
message goes out after the restart (at least once, in order).

A worker selects only messages of transports it has a sender for, and only each person's
first unsent message when it is due, so a backlog it cannot send (say, terminal-chat replies
in the Telegram process) or people waiting for a retry never crowd out a reply it can send.
A transport that splits long texts (`PartSender`, Telegram's 4096 characters) has each sent
part recorded (`parts_sent`): a retry resumes at the first part not yet sent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import structlog
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline_router.cases import SYSTEM, record
from hotline_router.models import Case, Message, utcnow
from shared.loops import Waker

log = structlog.get_logger(__name__)
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    error: str | None = None
    retry: bool = True  # a passing failure (network, rate limit): try again later
    retry_after: float | None = None  # seconds, when the transport says (Telegram 429)


class Sender(Protocol):
    async def send(self, external_id: str, text: str) -> DeliveryResult: ...


@runtime_checkable
class PartSender(Protocol):
    """A sender that splits a long text: the worker sends and records one part at a time."""

    def parts(self, text: str) -> list[str]: ...

    async def send_part(self, external_id: str, part: str) -> DeliveryResult: ...


class SenderRegistry:
    """Transports register how to reach a person; a message waits until its sender exists."""

    def __init__(self) -> None:
        self._senders: dict[str, Sender] = {}

    def register(self, transport: str, sender: Sender) -> None:
        self._senders[transport] = sender

    def unregister(self, transport: str) -> None:
        self._senders.pop(transport, None)

    def get(self, transport: str) -> Sender | None:
        return self._senders.get(transport)

    def transports(self) -> list[str]:
        return sorted(self._senders)


class DeliveryWorker(Waker):
    def __init__(self, sessions: async_sessionmaker[AsyncSession], senders: SenderRegistry, *,
                 clock: Clock = utcnow, max_attempts: int = 5, interval_s: float = 1.0,
                 lease_s: float = 30.0, send_timeout_s: float = 20.0, parallel: int = 8,
                 batch: int = 500) -> None:
        self.sessions, self.senders, self.clock = sessions, senders, clock
        self.batch = batch
        self.max_attempts, self.interval_s, self.lease_s = max_attempts, interval_s, lease_s
        self.send_timeout_s = send_timeout_s
        self._limit = asyncio.Semaphore(parallel)
        Waker.__init__(self)

    async def run(self) -> None:
        await self.loop(self.run_once, interval_s=self.interval_s, name="delivery")

    async def run_once(self) -> int:
        """Deliver what is due; returns how many messages went out."""
        now = self.clock()
        transports = self.senders.transports()
        if not transports:
            return 0
        unsent = and_(Message.status.in_(("pending", "sending")), Message.transport.in_(transports))
        due = or_(and_(Message.status == "pending",
                       or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now)),
                  and_(Message.status == "sending", Message.lease_until < now))
        # Each person's first unsent message (a later one never overtakes it), when it is due.
        firsts = select(func.min(Message.id)).where(unsent).group_by(Message.transport, Message.external_id)
        async with self.sessions() as session:
            heads = (await session.scalars(select(Message).where(Message.id.in_(firsts), due)
                                           .order_by(Message.id).limit(self.batch))).all()
            people = {(m.transport, m.external_id) for m in heads}
            rows = (await session.scalars(
                select(Message).where(unsent, Message.id >= min((m.id for m in heads), default=0),
                                      Message.external_id.in_({p[1] for p in people}))
                .order_by(Message.id).limit(self.batch * 4))).all() if people else []
        by_person: dict[tuple[str, str], list[Message]] = {}
        for msg in rows:
            if (msg.transport, msg.external_id) in people:
                by_person.setdefault((msg.transport, msg.external_id), []).append(msg)
        sent = await asyncio.gather(*(self._person(msgs, now) for msgs in by_person.values()))
        return sum(sent)

    async def _person(self, messages: list[Message], now: dt.datetime) -> int:
        """One person's messages strictly in order; stop at the first that must wait."""
        sent = 0
        async with self._limit:
            for msg in messages:
                sender = self.senders.get(msg.transport)
                if sender is None:
                    return sent
                if msg.status == "pending" and msg.next_attempt_at and msg.next_attempt_at > now:
                    return sent
                if not await self._lease(msg.id, now):
                    return sent  # another worker is on it, or it is being sent right now
                result = await self._send(sender, msg)
                if not await self._settle(msg, result):
                    return sent
                sent += result.ok
        return sent

    async def _lease(self, message_id: int, now: dt.datetime) -> bool:
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Message).where(Message.id == message_id,
                                      or_(Message.status == "pending",
                                          (Message.status == "sending") & (Message.lease_until < now)))
                .values(status="sending", lease_until=now + dt.timedelta(seconds=self.lease_s))
                .execution_options(synchronize_session=False))
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def _send(self, sender: Sender, msg: Message) -> DeliveryResult:
        if isinstance(sender, PartSender):
            return await self._send_parts(sender, msg)
        return await self._guarded(sender.send(msg.external_id, msg.text), msg)

    async def _send_parts(self, sender: PartSender, msg: Message) -> DeliveryResult:
        """Part by part from the first not yet sent; each sent part is committed at once
        (and renews the lease), so a timeout or a crash never sends a part twice."""
        parts = sender.parts(msg.text)
        for index in range(msg.parts_sent, len(parts)):
            result = await self._guarded(sender.send_part(msg.external_id, parts[index]), msg)
            if not result.ok:
                return result
            msg.parts_sent = index + 1
            async with self.sessions.begin() as session:
                await session.execute(update(Message).where(Message.id == msg.id).values(
                    parts_sent=index + 1, lease_until=self.clock() + dt.timedelta(seconds=self.lease_s))
                    .execution_options(synchronize_session=False))
        return DeliveryResult(ok=True)

    async def _guarded(self, sending: Awaitable[DeliveryResult], msg: Message) -> DeliveryResult:
        try:
            return await asyncio.wait_for(sending, self.send_timeout_s)
        except TimeoutError:
            return DeliveryResult(ok=False, error="timed out")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a transport bug must not lose the message: retry it
            log.exception("delivery.sender_failed", message=msg.id)
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:250])

    async def _settle(self, msg: Message, result: DeliveryResult) -> bool:
        """Record the outcome; True when the next message of this person may go."""
        now = self.clock()
        async with self.sessions.begin() as session:
            if result.ok:
                await session.execute(update(Message).where(Message.id == msg.id).values(
                    status="sent", sent_at=now, lease_until=None, error=None)
                    .execution_options(synchronize_session=False))
                return True
            attempts = msg.attempts + 1
            final = not result.retry or attempts >= self.max_attempts
            delay = result.retry_after if result.retry_after is not None else min(60.0, 2.0 ** attempts)
            await session.execute(update(Message).where(Message.id == msg.id).values(
                status="failed" if final else "pending", attempts=attempts, lease_until=None,
                error=(result.error or "delivery failed")[:250],
                next_attempt_at=now + dt.timedelta(seconds=delay))
                .execution_options(synchronize_session=False))
            if final:
                case = await session.get(Case, msg.case_id)
                if case is not None:
                    case.delivery_failed = True
                    record(session, case, "delivery_failed", SYSTEM, now, message_id=msg.id,
                           error=(result.error or "")[:250])
                log.warning("delivery.failed", message=msg.id, case=msg.case_id, error=result.error)
            return final  # a failed message no longer holds back the ones after it
