"""Retention: a closed case keeps the person's words no longer than the bot keeps its own
conversation (`retention_days`, 90 by default, the number /start announces).

A case closed more than that many days ago loses everything personal: the conversation
before the handoff, the risk evidence (quotes of what the person wrote), the messages both
ways, the operators' private notes, delivery errors, the person's transport id and their
`users` id (so the `users` row itself can be purged: bot.storage.retention). What is
left is the anonymous row the statistics need: team, language, country, risk level and
indicators, topics, outcome and tags, and the times (created, first assigned, closed,
escalated). Run daily by the same job that purges the bot's conversation events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.models import Case, CaseEvent, Message, Note

PURGED_ID = ""  # the external_id of a purged case: it no longer points at anyone


@dataclass
class Purged:
    case_ids: list[int] = field(default_factory=list)
    messages: int = 0
    notes: int = 0

    @property
    def cases(self) -> int:
        return len(self.case_ids)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_closed_cases(session: AsyncSession, *, days: int, now: dt.datetime,
                             batch: int = 500) -> Purged:
    """Strip the personal text of cases closed more than `days` ago (idempotent: a case
    already purged is not touched again). The caller commits."""
    before = now - dt.timedelta(days=days)
    out = Purged()
    while True:
        ids = list((await session.scalars(
            select(Case.id).where(Case.status == "closed", Case.closed_at < before,
                                  Case.external_id != PURGED_ID)
            .order_by(Case.id).limit(batch))).all())
        if not ids:
            return out
        out.case_ids += ids
        out.messages += _count(await session.execute(delete(Message).where(Message.case_id.in_(ids))))
        out.notes += _count(await session.execute(delete(Note).where(Note.case_id.in_(ids))))
        # A delivery error may quote the person's id; other events hold codes and times only.
        await session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(ids),
                                                      CaseEvent.kind == "delivery_failed")
                              .values(data={}).execution_options(synchronize_session=False))
        await session.execute(update(Case).where(Case.id.in_(ids)).values(
            transcript=[], evidence=[], external_id=PURGED_ID, user_id=None)
            .execution_options(synchronize_session=False))
        if len(ids) < batch:
            return out
