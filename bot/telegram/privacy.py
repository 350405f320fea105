"""/privacy and /forget: what is stored, and deleting it.

Deleting a person closes their open hotline case first and leaves the operators a note
(a console alert and, with the forum, a message in the group), then removes the person, their
conversation, their cases and their forum topic rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.handoff import HandoffPort
from bot.storage import repo
from bot.storage.models import Event
from bot.telegram.models import ForumTopic

log = structlog.get_logger(__name__)
TRANSPORT = "telegram"
FORGOTTEN_NOTE = ("Case #{case_id}: the person used /forget. The case was closed and everything "
                  "stored about them was deleted; do not try to contact them.")


@dataclass
class Forgotten:
    existed: bool
    closed_case: int | None = None
    topics: list[tuple[int, int]] = field(default_factory=list)  # (chat_id, thread_id) to delete


async def _close_for_forget(session: AsyncSession, handoff: HandoffPort, user: Any, case_id: int,
                            now: dt.datetime) -> None:
    """Close through the hotline queue when it is there (so the close is recorded like any
    other), and leave the console an alert that survives the deletion."""
    try:
        from hotline_router import cases
        from hotline_router.models import Alert, Case
    except ImportError:  # pragma: no cover - a build without the hotline package
        await handoff.cancel(session, user=user)
        return
    case = await session.get(Case, case_id)
    if case is None:
        return
    await cases.close(session, case, actor=cases.PERSON, outcome="forgotten_by_person", tags=[], now=now)
    session.add(Alert(at=now, case_id=case_id, kind="forgotten",
                      message=FORGOTTEN_NOTE.format(case_id=case_id)))


async def forget(session: AsyncSession, *, handoff: HandoffPort, external_id: str,
                 now: dt.datetime | None = None) -> Forgotten:
    user = await repo.get_user(session, transport=TRANSPORT, external_id=external_id)
    if user is None:
        return Forgotten(existed=False)
    now = now or dt.datetime.now(dt.UTC)
    result = Forgotten(existed=True)
    case_id = await handoff.open_case_id(session, user=user)
    if case_id is not None:
        await _close_for_forget(session, handoff, user, case_id, now)
        result.closed_case = case_id
    topics = (await session.scalars(select(ForumTopic).where(ForumTopic.external_id == external_id))).all()
    result.topics = [(t.chat_id, t.thread_id) for t in topics]
    await session.execute(delete(ForumTopic).where(ForumTopic.external_id == external_id))
    await repo.forget_user(session, user=user)
    log.info("privacy.forgotten", closed_case=case_id, topics=len(result.topics))
    return result


async def purge_old_events(session: AsyncSession, *, days: int, now: dt.datetime | None = None) -> int:
    """Delete conversation events older than the retention period /start announces."""
    before = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    result = await session.execute(delete(Event).where(Event.at < before))
    return int(getattr(result, "rowcount", 0) or 0)
