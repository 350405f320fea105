"""Retention of the bot's own tables (run daily with the hotline's, see
bot.telegram.privacy.purge_expired): what /start promises, nothing personal older than
`retention_days`.

- `handoff_requests` (a copy of the conversation in `transcript`) older than the period;
- `users` rows of people not seen for the period, once nothing else refers to them: no
  hotline case still names them (a purged case has let go of `user_id`), so deleting the
  row cascades into nothing the statistics need. Their events are already gone (older than
  the period). Someone who writes again later starts afresh (the language is asked again).
  A person with a reminder still to be sent (due after `now`) is kept until it has gone.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import HandoffRequest, User

# The hotline's table without importing the hotline package (it may be absent from a build).
_cases = sa.table("hotline_cases", sa.column("user_id", sa.Integer))
# A reminder still to be sent (bot.reminders): the person asked us to write on that date, which
# may be further away than the retention period; they are kept until it has been sent.
_reminder_sends = sa.table("reminder_sends", sa.column("user_id", sa.Integer), sa.column("status", sa.String),
                           sa.column("due_at", sa.DateTime(timezone=True)))


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_handoff_requests(session: AsyncSession, *, days: int, now: dt.datetime) -> int:
    before = now - dt.timedelta(days=days)
    return _count(await session.execute(sa.delete(HandoffRequest).where(HandoffRequest.created_at < before)))


async def purge_inactive_users(session: AsyncSession, *, days: int, now: dt.datetime) -> int:
    """People not seen for `days` whom no case refers to any more and who have no reminder
    still to come. The caller commits."""
    before = now - dt.timedelta(days=days)
    still_named = sa.exists().where(_cases.c.user_id == User.id)
    waiting = sa.exists().where(_reminder_sends.c.user_id == User.id,
                                _reminder_sends.c.status.in_(("pending", "sending")), _reminder_sends.c.due_at > now)
    return _count(await session.execute(
        sa.delete(User).where(User.last_seen_at < before, ~still_named, ~waiting)
        .execution_options(synchronize_session=False)))
