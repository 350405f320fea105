"""Who a campaign reaches, and queueing it: one `campaign_deliveries` row per person.

The audience is the people on Telegram who opted in to news (`users.news`), have not blocked
the bot, chose one of the campaign's languages, and match its country, topics and activity.
Queueing copies them in one INSERT ... SELECT with the campaign's row, so a campaign is
queued once (the run's primary key), whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import Select, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.campaigns.models import QUEUED, RUNNING, CampaignDelivery, CampaignRun
from bot.campaigns.schema import Campaign
from bot.storage.models import Event, User

TRANSPORT = "telegram"


def audience_query(campaign: Campaign, now: dt.datetime) -> Select[tuple[int, str, str]]:
    """(user id, language, country or "") of everyone the campaign would reach now."""
    a = campaign.audience
    country = func.coalesce(User.country, "")
    query = select(User.id, User.lang, country).where(
        User.transport == TRANSPORT, User.news.is_(True), User.blocked_at.is_(None),
        User.lang.in_(a.languages))
    if a.countries:
        query = query.where(User.country.in_(a.countries))
    if a.active_within_days is not None:
        query = query.where(User.last_seen_at >= now - dt.timedelta(days=a.active_within_days))
    if a.topics:
        query = query.where(exists().where(Event.user_id == User.id, Event.direction == "in",
                                           Event.topic.in_(a.topics)))
    return query.order_by(User.id)  # type: ignore[return-value]


async def audience_size(session: AsyncSession, campaign: Campaign, now: dt.datetime) -> Counter[tuple[str, str]]:
    """How many people by (language, country): what `send --dry-run` prints."""
    sub = audience_query(campaign, now).subquery()
    rows = await session.execute(select(sub.c.lang, sub.c[2], func.count()).group_by(sub.c.lang, sub.c[2]))
    return Counter({(str(lang), str(country)): int(n) for lang, country, n in rows})


async def queue_campaign(session: AsyncSession, campaign: Campaign, *, now: dt.datetime,
                         expires_at: dt.datetime, by: str) -> int | None:
    """Queue the campaign for its audience now; None when it was queued before. The caller
    commits (the run and its rows go together)."""
    try:
        async with session.begin_nested():
            session.add(CampaignRun(id=campaign.id, status=RUNNING, queued_at=now, expires_at=expires_at,
                                    queued_by=by))
    except IntegrityError:
        return None
    sub = audience_query(campaign, now).subquery()
    columns = ["campaign_id", "user_id", "lang", "country", "status", "attempts"]
    result = await session.execute(insert(CampaignDelivery).from_select(
        columns, select(literal(campaign.id), sub.c.id, sub.c.lang, sub.c[2], literal(QUEUED), literal(0))))
    return int(getattr(result, "rowcount", 0) or 0)
