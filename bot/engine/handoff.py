"""The engine's port to the human hotline.

The engine only asks: is a human handling this person, please queue them, pass this message
on, take them out. `hotline_router` implements it with the real queue; `RecordingHandoff`
only records the request (the engine's behaviour before a queue exists, and in tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import repo
from bot.storage.models import User


@dataclass(frozen=True)
class HandoffTicket:
    case_id: int
    position: int | None = None  # place in the queue (1 = next)
    eta_minutes: int | None = None
    out_of_hours: bool = False
    notices: tuple[str, ...] = ()  # extra lines for the person (e.g. numbers to call at night)


class TicketLike(Protocol):
    """What the engine reads of a ticket: `HandoffTicket` or the hotline's own ticket."""

    @property
    def case_id(self) -> int: ...
    @property
    def position(self) -> int | None: ...
    @property
    def eta_minutes(self) -> int | None: ...
    @property
    def out_of_hours(self) -> bool: ...
    @property
    def notices(self) -> tuple[str, ...]: ...


class HandoffPort(Protocol):
    async def open_case_id(self, session: AsyncSession, *, user: User) -> int | None: ...

    def open_case_column(self, user_id: ColumnElement[int]) -> ColumnElement[int | None] | None:
        """The open case's id as a scalar subquery on `user_id`, or None when it cannot be said in SQL."""

    async def request(self, session: AsyncSession, *, user: User, lang: str, level: str,
                      indicators: Sequence[str], evidence: Sequence[dict[str, Any]],
                      transcript: Sequence[dict[str, Any]]) -> TicketLike: ...

    async def relay_from_person(self, session: AsyncSession, *, case_id: int, user: User, kind: str,
                                text: str, meta: dict[str, Any]) -> None: ...

    async def cancel(self, session: AsyncSession, *, user: User) -> bool: ...


OPEN_CASE = "open_case_id"


def person_extras(port: HandoffPort) -> repo.Extras:
    """What the look-up of the person (`repo.get_user`) reads along with their row: whether
    a human is handling them, when the port can say it in SQL. One query per message, not two."""
    column = port.open_case_column(User.id.expression)
    return {} if column is None else {OPEN_CASE: column}


async def open_case_id(port: HandoffPort, session: AsyncSession, *, user: User) -> int | None:
    """The person's open case: as read with their row in this session, else asked of the port."""
    read = repo.take_extra(session, user_id=user.id, name=OPEN_CASE)
    if read is not repo.MISSING:
        return int(read) if read is not None else None
    return await port.open_case_id(session, user=user)


class RecordingHandoff:
    """Records the request with level, indicators and transcript; no live queue."""

    async def open_case_id(self, session: AsyncSession, *, user: User) -> int | None:
        return None

    def open_case_column(self, user_id: ColumnElement[int]) -> None:
        return None

    async def request(self, session: AsyncSession, *, user: User, lang: str, level: str,
                      indicators: Sequence[str], evidence: Sequence[dict[str, Any]],
                      transcript: Sequence[dict[str, Any]]) -> HandoffTicket:
        req = await repo.add_handoff_request(session, user=user, level=level, indicators=indicators,
                                             transcript=transcript)
        return HandoffTicket(case_id=req.id)

    async def relay_from_person(self, session: AsyncSession, *, case_id: int, user: User, kind: str,
                                text: str, meta: dict[str, Any]) -> None:
        return None

    async def cancel(self, session: AsyncSession, *, user: User) -> bool:
        return False
