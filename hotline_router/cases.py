"""Case lifecycle: queued -> assigned -> closed, with transfer, reopen and cancel.

Every function takes the caller's session and never commits: the caller commits before it
acknowledges anything. Each transition is idempotent (repeating it changes nothing and writes
no second event) and is recorded in `hotline_case_events` with who and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.models import Case, CaseEvent, Message, case_is_open, risk_rank

MAX_PERSON_TEXT = 4000


class PersonLike(Protocol):
    """What the queue needs of a person (the bot's `User` row fits)."""

    @property
    def id(self) -> int: ...
    @property
    def transport(self) -> str: ...
    @property
    def external_id(self) -> str: ...
    @property
    def country(self) -> str | None: ...


@dataclass(frozen=True)
class Actor:
    kind: str  # person | system | operator
    operator_id: int | None = None
    username: str = ""

    @property
    def label(self) -> str:
        return f"operator:{self.username}" if self.kind == "operator" else self.kind


PERSON = Actor("person")
SYSTEM = Actor("system")


def record(session: AsyncSession, case: Case, kind: str, actor: Actor, now: dt.datetime,
           **data: Any) -> None:
    session.add(CaseEvent(case_id=case.id, at=now, kind=kind, actor=actor.label,
                          operator_id=actor.operator_id, data=data))


async def open_case(session: AsyncSession, user_id: int) -> Case | None:
    return await session.scalar(select(Case).where(Case.user_id == user_id, case_is_open()))


def open_case_id_of(user_id: ColumnElement[int]) -> ColumnElement[int | None]:
    """The id of the person's open case as a scalar subquery, to read with their row."""
    return select(Case.id).where(Case.user_id == user_id, case_is_open()).scalar_subquery()


async def create(session: AsyncSession, *, person: PersonLike, lang: str, level: str,
                 indicators: Sequence[str], evidence: Sequence[dict[str, Any]],
                 transcript: Sequence[dict[str, Any]], team: str, preferred_team: str,
                 out_of_hours: bool, sla_due_at: dt.datetime, now: dt.datetime) -> tuple[Case, bool]:
    """Queue a case; a person who already has an open case gets that one back (not a second)."""
    existing = await open_case(session, person.id)
    if existing is not None:
        return existing, False
    topics = list(dict.fromkeys(str(t["topic"]) for t in transcript if t.get("topic")))
    case = Case(user_id=person.id, transport=person.transport, external_id=person.external_id,
                lang=lang, country=person.country, level=level, risk_rank=risk_rank(level),
                indicators=list(indicators), evidence=list(evidence), transcript=list(transcript),
                topics=topics, status="queued", team=team, preferred_team=preferred_team,
                out_of_hours=out_of_hours, created_at=now, queued_at=now, sla_due_at=sla_due_at,
                tags=[])
    try:
        async with session.begin_nested():
            session.add(case)
    except IntegrityError:
        # The same request twice at once: the unique open-case index let only one through.
        found = await open_case(session, person.id)
        if found is None:
            raise
        return found, False
    record(session, case, "created", PERSON, now, team=team, level=level,
           overflowed=team != preferred_team, out_of_hours=out_of_hours)
    return case, True


def add_incoming(session: AsyncSession, case: Case, *, kind: str, text: str,
                 now: dt.datetime) -> Message:
    msg = Message(case_id=case.id, at=now, direction="in", kind=kind[:16],
                  text=text[:MAX_PERSON_TEXT], transport=case.transport,
                  external_id=case.external_id, status="received")
    case.last_message_at = now
    session.add(msg)
    return msg


def enqueue_outgoing(session: AsyncSession, case: Case, *, text: str, now: dt.datetime,
                     operator_id: int | None = None, direction: str = "out") -> Message:
    """An operator reply or a system notice, committed with the caller's transaction and
    delivered afterwards, in order, by the delivery worker."""
    msg = Message(case_id=case.id, at=now, direction=direction, kind="text", text=text,
                  operator_id=operator_id, transport=case.transport, external_id=case.external_id,
                  status="pending", attempts=0, next_attempt_at=now)
    session.add(msg)
    return msg


async def transfer_to_team(session: AsyncSession, case: Case, *, team: str, actor: Actor,
                           now: dt.datetime) -> bool:
    if not case.is_open or (case.status == "queued" and case.team == team):
        return False
    previous = {"team": case.team, "operator_id": case.assigned_to}
    await session.execute(update(Case).where(Case.id == case.id).values(
        status="queued", team=team, assigned_to=None, assigned_at=None)
        .execution_options(synchronize_session=False))
    await session.refresh(case)
    # The wait already spent counts: queued_at stays, so the person keeps their priority.
    record(session, case, "transferred", actor, now, to_team=team, **{"from": previous})
    return True


async def transfer_to_operator(session: AsyncSession, case: Case, *, operator_id: int,
                               actor: Actor, now: dt.datetime) -> bool:
    if not case.is_open or (case.status == "assigned" and case.assigned_to == operator_id):
        return False
    previous = {"team": case.team, "operator_id": case.assigned_to}
    await session.execute(update(Case).where(Case.id == case.id, case_is_open())
                          .values(status="assigned", assigned_to=operator_id, assigned_at=now)
                          .execution_options(synchronize_session=False))
    await session.refresh(case)
    if case.first_assigned_at is None:
        case.first_assigned_at = now
    record(session, case, "transferred", actor, now, to_operator=operator_id, **{"from": previous})
    return True


async def close(session: AsyncSession, case: Case, *, actor: Actor, outcome: str,
                tags: Sequence[str], now: dt.datetime, kind: str = "closed") -> bool:
    """Close once; a second close (a double click, a retry) changes nothing."""
    result = await session.execute(
        update(Case).where(Case.id == case.id, case_is_open())
        .values(status="closed", closed_at=now, outcome=outcome, tags=list(tags))
        .execution_options(synchronize_session=False))
    await session.refresh(case)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record(session, case, kind, actor, now, outcome=outcome, tags=list(tags))
    return True


async def reopen(session: AsyncSession, case: Case, *, actor: Actor, sla_due_at: dt.datetime,
                 now: dt.datetime) -> bool:
    """Back to the queue; refused (False) while the person has another open case."""
    if case.status != "closed":
        return False
    if await open_case(session, case.user_id) is not None:
        return False
    result = await session.execute(
        update(Case).where(Case.id == case.id, Case.status == "closed")
        .values(status="queued", assigned_to=None, assigned_at=None, closed_at=None,
                outcome=None, queued_at=now, sla_due_at=sla_due_at, escalated_at=None,
                told_position=None, told_eta=None, told_at=None)
        .execution_options(synchronize_session=False))
    await session.refresh(case)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record(session, case, "reopened", actor, now)
    return True


async def cancel_by_person(session: AsyncSession, user_id: int, now: dt.datetime) -> Case | None:
    case = await open_case(session, user_id)
    if case is None:
        return None
    if await close(session, case, actor=PERSON, outcome="cancelled_by_person", tags=[], now=now,
                   kind="cancelled"):
        return case
    return None
