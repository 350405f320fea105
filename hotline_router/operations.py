"""What an operator does in the console: every action checks rights, changes the case,
writes the audit log and commits before the console answers. HTTP stays in console/."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router import cases, claims, notices, queue
from hotline_router.auth import audit
from hotline_router.events import CaseChange
from hotline_router.models import Alert, Case, CaseEvent, Message, Note, Operator
from hotline_router.retention import PURGED_ID
from hotline_router.service import Hotline


class ActionError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class CaseView:
    case: Case
    messages: list[Message]
    notes: list[Note]
    events: list[CaseEvent]
    operators: list[Operator]
    names: dict[int, str] = field(default_factory=dict)
    can_act: bool = False  # reply, note, transfer, close
    can_claim: bool = False
    can_reopen: bool = False
    purged: bool = False  # past the retention period: the conversation was deleted


def _name(op: Operator) -> str:
    return op.display_name or op.username


def actor(op: Operator) -> cases.Actor:
    return cases.Actor("operator", op.id, op.username)


def can_view(op: Operator, case: Case) -> bool:
    if op.is_supervisor or case.assigned_to == op.id:
        return True
    return case.status == "queued" and queue.serves(op, case.team)


async def _case(session: AsyncSession, op: Operator, case_id: int, *, action: str) -> Case:
    case = await session.get(Case, case_id)
    if case is None:
        raise ActionError(404, "No such case.")
    if not can_view(op, case):
        if action == "claim" and case.status == "assigned":
            raise ActionError(409, "Another operator has just taken this case.")
        raise ActionError(403, "This case is not yours. Ask a supervisor to transfer it.")
    return case


def _holder(op: Operator, case: Case) -> None:
    if case.status != "assigned" or (case.assigned_to != op.id and not op.is_supervisor):
        raise ActionError(409, "Claim the case first: only the operator who holds it can do this.")


class Operations:
    def __init__(self, hotline: Hotline) -> None:
        self.h = hotline

    async def _denied(self, op: Operator, case_id: int, ip: str, action: str) -> None:
        # A refused attempt is audited in its own transaction: the action's own rolls back.
        async with self.h.sessions.begin() as session:
            audit(session, operator=op, action="denied", now=self.h.clock(), ip=ip, case_id=case_id,
                  attempted=action)

    async def _run(self, op: Operator, case_id: int, ip: str, action: str, fn: Any,
                   audited: bool = True) -> Any:
        try:
            async with self.h.sessions.begin() as session:
                case = await _case(session, op, case_id, action=action)
                result = await fn(session, case)
                if audited:
                    audit(session, operator=op, action=action, now=self.h.clock(), ip=ip, case_id=case_id)
                return result
        except ActionError as exc:
            if exc.status in (403, 409):
                await self._denied(op, case_id, ip, action)
            raise

    async def view(self, op: Operator, case_id: int, *, ip: str, audited: bool = True) -> CaseView:
        """The case page; `audited=False` for the page's own refreshes (the opening is logged)."""
        async def fn(session: AsyncSession, case: Case) -> CaseView:
            msgs = (await session.scalars(select(Message).where(Message.case_id == case.id)
                                          .order_by(Message.id))).all()
            notes = (await session.scalars(select(Note).where(Note.case_id == case.id)
                                           .order_by(Note.id))).all()
            events = (await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                            .order_by(CaseEvent.id))).all()
            ops = (await session.scalars(select(Operator).order_by(Operator.username))).all()
            holder = case.status == "assigned" and (case.assigned_to == op.id or op.is_supervisor)
            purged = case.external_id == PURGED_ID
            return CaseView(case, list(msgs), list(notes), list(events),
                            [o for o in ops if o.active], {o.id: o.username for o in ops},
                            can_act=holder, can_claim=case.status == "queued",
                            can_reopen=case.status == "closed" and not purged, purged=purged)
        return await self._run(op, case_id, ip, "view", fn, audited)

    def _told(self, kind: str, case_id: int, op: Operator, via: str, **detail: str) -> None:
        """Tell observers (the operators' forum) after the commit."""
        self.h.events.emit(CaseChange(kind, case_id, by=_name(op), via=via, detail=detail))

    async def claim(self, op: Operator, case_id: int, *, ip: str, via: str = "console") -> str:
        async def fn(session: AsyncSession, case: Case) -> str:
            team = self.h.routing.team(case.team)
            if (not op.is_supervisor and case.status == "queued"
                    and await queue.open_count(session, op.id) >= team.capacity):
                raise ActionError(409, f"You already hold {team.capacity} cases: close one first.")
            result = await claims.claim(session, case.id, actor=actor(op), now=self.h.clock())
            if result == "claimed":
                _ = self.h.translator(case.lang)
                cases.enqueue_outgoing(session, case, text=notices.operator_joined(_),
                                       now=self.h.clock(), direction="system")
            elif result not in ("already_yours",):
                raise ActionError(409, f"Not claimed: the case is {result}.")
            return result
        result: str = await self._run(op, case_id, ip, "claim", fn)
        self.h.outbox_changed()
        if result == "claimed":
            self._told("claimed", case_id, op, via)
        return result

    async def claim_next(self, op: Operator, *, ip: str, via: str = "console") -> int | None:
        capacity = max((t.capacity for t in self.h.routing.teams if queue.serves(op, t.id)), default=1)
        async with self.h.sessions.begin() as session:
            if not op.is_supervisor and await queue.open_count(session, op.id) >= capacity:
                raise ActionError(409, f"You already hold {capacity} cases: close one first.")
            case = await claims.claim_next(session, actor=actor(op), teams=queue.operator_teams(op),
                                           now=self.h.clock())
            if case is not None:
                _ = self.h.translator(case.lang)
                cases.enqueue_outgoing(session, case, text=notices.operator_joined(_),
                                       now=self.h.clock(), direction="system")
            audit(session, operator=op, action="claim_next", now=self.h.clock(), ip=ip,
                  case_id=case.id if case else None)
        self.h.outbox_changed()
        if case is None:
            return None
        self._told("claimed", case.id, op, via)
        return case.id

    async def reply(self, op: Operator, case_id: int, text: str, *, ip: str, via: str = "console") -> int:
        # Browsers send a line break as CR LF but count it as one character (maxlength).
        text = text.replace("\r\n", "\n").strip()
        if not text:
            raise ActionError(400, "The reply is empty.")
        if len(text) > self.h.settings.max_reply_chars:
            raise ActionError(413, f"The reply is too long: {len(text)} characters, at most "
                                   f"{self.h.settings.max_reply_chars}.")

        async def fn(session: AsyncSession, case: Case) -> int:
            _holder(op, case)
            msg = cases.enqueue_outgoing(session, case, now=self.h.clock(), operator_id=op.id,
                                         text=notices.operator_reply(self.h.translator(case.lang), text))
            await session.flush()
            return msg.id
        message_id: int = await self._run(op, case_id, ip, "reply", fn)
        self.h.outbox_changed()  # committed: now the worker may send it
        self.h.events.emit(CaseChange("replied", case_id, by=_name(op), via=via, text=text))
        return message_id

    async def note(self, op: Operator, case_id: int, text: str, *, ip: str) -> None:
        text = text.strip()
        if not text or len(text) > 4000:
            raise ActionError(400, "A note needs 1 to 4000 characters.")

        async def fn(session: AsyncSession, case: Case) -> None:
            session.add(Note(case_id=case.id, operator_id=op.id, at=self.h.clock(), text=text))
        await self._run(op, case_id, ip, "note", fn)

    async def transfer(self, op: Operator, case_id: int, *, team: str | None = None,
                       operator: str | None = None, ip: str, via: str = "console") -> None:
        async def fn(session: AsyncSession, case: Case) -> dict[str, str] | None:
            if not op.is_supervisor:
                _holder(op, case)
            now = self.h.clock()
            if operator:
                target = await session.scalar(select(Operator).where(Operator.username == operator))
                if target is None or not target.active:
                    raise ActionError(400, "No such active operator.")
                if await cases.transfer_to_operator(session, case, operator_id=target.id,
                                                    actor=actor(op), now=now):
                    return {"to_operator": _name(target)}
            elif team and team in {t.id for t in self.h.routing.teams}:
                if await cases.transfer_to_team(session, case, team=team, actor=actor(op), now=now):
                    return {"to_team": self.h.routing.team(team).name}
            else:
                raise ActionError(400, "Choose a team or an operator to transfer to.")
            return None
        moved: dict[str, str] | None = await self._run(op, case_id, ip, "transfer", fn)
        if moved:
            self._told("transferred", case_id, op, via, **moved)

    async def close(self, op: Operator, case_id: int, *, outcome: str, tags: Sequence[str],
                    ip: str, via: str = "console") -> bool:
        routing = self.h.routing
        if outcome not in routing.outcomes:
            raise ActionError(400, "Choose an outcome code before closing.")
        unknown = [t for t in tags if t not in routing.tags]
        if unknown:
            raise ActionError(400, f"Unknown tags: {', '.join(unknown)}")

        async def fn(session: AsyncSession, case: Case) -> bool:
            if case.status == "closed":
                return False  # closing twice is not an error
            if not op.is_supervisor:  # a supervisor may close a waiting case (spam, duplicate)
                _holder(op, case)
            done = await cases.close(session, case, actor=actor(op), outcome=outcome,
                                     tags=list(dict.fromkeys(tags)), now=self.h.clock())
            if done:
                cases.enqueue_outgoing(session, case, text=notices.closed(self.h.translator(case.lang)),
                                       now=self.h.clock(), direction="system")
            return done
        done: bool = await self._run(op, case_id, ip, "close", fn)
        self.h.outbox_changed()
        if done:
            self._told("closed", case_id, op, via, outcome=outcome)
        return done

    async def reopen(self, op: Operator, case_id: int, *, ip: str, via: str = "console") -> None:
        async def fn(session: AsyncSession, case: Case) -> None:
            if case.external_id == PURGED_ID:
                raise ActionError(409, "This case is past the retention period: its conversation "
                                       "was deleted, so it cannot be reopened.")
            now = self.h.clock()
            sla = self.h.sla_due(case.level, case.team, now)
            if not await cases.reopen(session, case, actor=actor(op), sla_due_at=sla, now=now):
                raise ActionError(409, "Not reopened: the case is open, or the person has another "
                                       "open case.")
            cases.enqueue_outgoing(session, case, text=notices.reopened(self.h.translator(case.lang)),
                                   now=now, direction="system")
        await self._run(op, case_id, ip, "reopen", fn)
        self.h.outbox_changed()
        self._told("reopened", case_id, op, via)

    async def ack_alert(self, op: Operator, alert_id: int, *, ip: str) -> None:
        if not op.is_supervisor:
            raise ActionError(403, "Only supervisors acknowledge alerts.")
        async with self.h.sessions.begin() as session:
            alert = await session.get(Alert, alert_id)
            if alert is not None and alert.acknowledged_at is None:
                alert.acknowledged_by, alert.acknowledged_at = op.id, self.h.clock()
            audit(session, operator=op, action="ack_alert", now=self.h.clock(), ip=ip,
                  alert=alert_id)
