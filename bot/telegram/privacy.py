"""/privacy and /forget: what is stored, and deleting it.

Deleting a person closes their open hotline case first and leaves the operators a note
(a console alert and, with the forum, a message in the group), then removes the person, their
conversation, their cases and their forum topic rows, and their messages still stored as
webhook updates (dead letters, retries).

Retention (`purge_expired`, run daily by `hamroh serve`): conversation events older than
`retention_days` are deleted, and hotline cases closed longer ago than that lose the
person's words (hotline_router.retention) together with what this transport keeps of them:
the file ids of what they sent and the forum topic that copied their messages. Then the
bot's handoff requests past the period and the `users` rows of people not seen for it
(bot.storage.retention); stored updates have their own purge (bot.telegram.update_store).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.handoff import HandoffPort
from bot.inbox import repo as inbox_repo
from bot.reminders import repo as reminders_repo
from bot.storage import repo, retention
from bot.storage.models import Event
from bot.telegram.models import ForumTopic, HandoffFile, StoredUpdate
from hotline_router import cases
from hotline_router.models import Alert, Case
from hotline_router.retention import purge_closed_cases

log = structlog.get_logger(__name__)
TRANSPORT = "telegram"
FORGOTTEN_NOTE = ("Case #{case_id}: the person used /forget. The case was closed and everything "
                  "stored about them was deleted; do not try to contact them.")


@dataclass
class Forgotten:
    existed: bool
    closed_case: int | None = None
    topics: list[tuple[int, int]] = field(default_factory=list)  # (chat_id, thread_id) to delete


async def _close_for_forget(session: AsyncSession, case_id: int, now: dt.datetime) -> None:
    """Close through the hotline queue (so the close is recorded like any other), and leave
    the console an alert that survives the deletion."""
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
        await _close_for_forget(session, case_id, now)
        result.closed_case = case_id
    topics = (await session.scalars(select(ForumTopic).where(ForumTopic.external_id == external_id))).all()
    result.topics = [(t.chat_id, t.thread_id) for t in topics]
    await session.execute(delete(ForumTopic).where(ForumTopic.external_id == external_id))
    await _forget_stored_updates(session, external_id)
    await reminders_repo.forget(session, user_id=user.id)
    await repo.forget_user(session, user=user)
    log.info("privacy.forgotten", closed_case=case_id, topics=len(result.topics))
    return result


def _from_person(payload: Any, person: int, depth: int = 0) -> bool:
    """Whether an update was sent by (or in the private chat of) this person."""
    if isinstance(payload, dict):
        for key in ("from", "chat", "user"):
            who = payload.get(key)
            if isinstance(who, dict) and who.get("id") == person:
                return True
        return depth < 4 and any(_from_person(v, person, depth + 1) for v in payload.values())
    return False


async def _forget_stored_updates(session: AsyncSession, external_id: str) -> None:
    """The person's messages still in `telegram_updates`: dead letters (kept for inspection)
    and updates waiting for a retry. One being handled right now (a lease is held: this
    /forget itself) keeps its row; its payload is cleared when it is done."""
    try:
        person = int(external_id)
    except ValueError:
        return
    rows = (await session.execute(select(StoredUpdate.update_id, StoredUpdate.payload).where(
        StoredUpdate.status != "done",
        (StoredUpdate.status == "dead") | StoredUpdate.claimed_at.is_(None)))).all()
    ids = [update_id for update_id, payload in rows if _from_person(payload, person)]
    if ids:
        await session.execute(delete(StoredUpdate).where(StoredUpdate.update_id.in_(ids)))


@dataclass
class Retention:
    events: int = 0
    cases: int = 0
    messages: int = 0
    files: int = 0
    topics: list[tuple[int, int]] = field(default_factory=list)  # (chat_id, thread_id) to delete
    handoff_requests: int = 0
    users: int = 0  # people not seen for the period, once no case names them

    @property
    def anything(self) -> bool:
        return bool(self.events or self.cases or self.messages or self.files or self.topics
                    or self.handoff_requests or self.users)


async def purge_expired(session: AsyncSession, *, days: int, now: dt.datetime | None = None) -> Retention:
    """Everything personal older than the retention period; the caller commits, then deletes
    the returned forum topics in the group."""
    now = now or dt.datetime.now(dt.UTC)
    out = Retention(events=await purge_old_events(session, days=days, now=now))
    out.handoff_requests = await retention.purge_handoff_requests(session, days=days, now=now)
    await inbox_repo.purge_old(session, days=days, now=now)  # the editors' inbox (bot.inbox)
    await _purge_cases(session, out, days=days, now=now)
    # Last: a purged case has let go of the person, so their row can go now.
    out.users = await retention.purge_inactive_users(session, days=days, now=now)
    return out


async def _purge_cases(session: AsyncSession, out: Retention, *, days: int, now: dt.datetime) -> None:
    purged = await purge_closed_cases(session, days=days, now=now)
    out.cases, out.messages = purged.cases, purged.messages
    for i in range(0, len(purged.case_ids), 500):
        ids = purged.case_ids[i:i + 500]
        result = await session.execute(delete(HandoffFile).where(HandoffFile.case_id.in_(ids)))
        out.files += int(getattr(result, "rowcount", 0) or 0)
        topics = (await session.scalars(select(ForumTopic).where(ForumTopic.case_id.in_(ids)))).all()
        out.topics += [(t.chat_id, t.thread_id) for t in topics]
        await session.execute(delete(ForumTopic).where(ForumTopic.case_id.in_(ids)))


async def purge_old_events(session: AsyncSession, *, days: int, now: dt.datetime | None = None) -> int:
    """Delete conversation events older than the retention period /start announces."""
    before = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    result = await session.execute(delete(Event).where(Event.at < before))
    return int(getattr(result, "rowcount", 0) or 0)
