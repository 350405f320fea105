"""/privacy and /forget: what is stored, and deleting it.

Deleting a person closes their open hotline case first and leaves the operators a note
(a console alert and, with the forum, a message in the group), then removes the person, their
conversation, their cases and their forum topic rows.

Retention (`purge_expired`, run daily by `hamroh serve`): conversation events older than
`retention_days` are deleted, and hotline cases closed longer ago than that lose the
person's words (hotline_router.retention) together with what this transport keeps of them:
the file ids of what they sent and the forum topic that copied their messages.
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
from bot.telegram.models import ForumTopic, HandoffFile

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


@dataclass
class Retention:
    events: int = 0
    cases: int = 0
    messages: int = 0
    files: int = 0
    topics: list[tuple[int, int]] = field(default_factory=list)  # (chat_id, thread_id) to delete

    @property
    def anything(self) -> bool:
        return bool(self.events or self.cases or self.messages or self.files or self.topics)


async def purge_expired(session: AsyncSession, *, days: int, now: dt.datetime | None = None) -> Retention:
    """Everything personal older than the retention period; the caller commits, then deletes
    the returned forum topics in the group."""
    now = now or dt.datetime.now(dt.UTC)
    out = Retention(events=await purge_old_events(session, days=days, now=now))
    try:
        from hotline_router.retention import purge_closed_cases
    except ImportError:  # pragma: no cover - a build without the hotline package
        return out
    purged = await purge_closed_cases(session, days=days, now=now)
    out.cases, out.messages = purged.cases, purged.messages
    for i in range(0, len(purged.case_ids), 500):
        ids = purged.case_ids[i:i + 500]
        result = await session.execute(delete(HandoffFile).where(HandoffFile.case_id.in_(ids)))
        out.files += int(getattr(result, "rowcount", 0) or 0)
        topics = (await session.scalars(select(ForumTopic).where(ForumTopic.case_id.in_(ids)))).all()
        out.topics += [(t.chat_id, t.thread_id) for t in topics]
        await session.execute(delete(ForumTopic).where(ForumTopic.case_id.in_(ids)))
    return out


async def purge_old_events(session: AsyncSession, *, days: int, now: dt.datetime | None = None) -> int:
    """Delete conversation events older than the retention period /start announces."""
    before = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    result = await session.execute(delete(Event).where(Event.at < before))
    return int(getattr(result, "rowcount", 0) or 0)
