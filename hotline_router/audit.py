"""Reading the audit log: changes kept apart from views, filtered by action, operator, case.

Writing stays in `hotline_router.auth.audit`. Opening a case page is a "view"; a view of the
same case by the same operator within `VIEW_QUIET` is not written again (the page's own
refreshes never are), so the log records who looked, not how often they reloaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.models import AuditEntry

VIEW_ACTIONS = ("view",)
KINDS = ("changes", "views", "all")
VIEW_QUIET = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class AuditFilter:
    kind: str = "changes"  # changes | views | all
    action: str = ""
    username: str = ""
    case_id: int | None = None
    limit: int = 200

    def query(self) -> Select[Any]:
        q = select(AuditEntry)
        if self.kind == "changes":
            q = q.where(AuditEntry.action.not_in(VIEW_ACTIONS))
        elif self.kind == "views":
            q = q.where(AuditEntry.action.in_(VIEW_ACTIONS))
        if self.action:
            q = q.where(AuditEntry.action == self.action)
        if self.username:
            q = q.where(AuditEntry.username == self.username)
        if self.case_id is not None:
            q = q.where(AuditEntry.case_id == self.case_id)
        return q.order_by(AuditEntry.id.desc()).limit(self.limit)


async def search(session: AsyncSession, flt: AuditFilter) -> list[AuditEntry]:
    return list((await session.scalars(flt.query())).all())


async def actions(session: AsyncSession) -> list[str]:
    """Every action written so far (the filter's choices)."""
    return sorted((await session.scalars(select(AuditEntry.action).distinct())).all())


async def usernames(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(AuditEntry.username).where(AuditEntry.username != "")
                                 .distinct())
    return sorted(rows.all())


async def viewed_recently(session: AsyncSession, *, operator_id: int, case_id: int,
                          now: dt.datetime, quiet: dt.timedelta = VIEW_QUIET) -> bool:
    """This operator's view of this case was logged within `quiet`."""
    found = await session.scalar(
        select(AuditEntry.id).where(AuditEntry.case_id == case_id,
                                    AuditEntry.operator_id == operator_id,
                                    AuditEntry.action.in_(VIEW_ACTIONS),
                                    AuditEntry.at >= now - quiet).limit(1))
    return found is not None
