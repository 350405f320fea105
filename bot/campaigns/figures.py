"""Figures per campaign, language and country: counts only, never a person."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.campaigns.models import (
    BLOCKED,
    EXPIRED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    UNCONFIRMED,
    CampaignDelivery,
    CampaignPress,
)


@dataclass
class Figures:
    campaign: str
    lang: str
    country: str
    queued: int = 0  # everyone the campaign was queued for
    sent: int = 0
    failed: int = 0
    blocked: int = 0  # 403: they blocked the bot
    unconfirmed: int = 0  # a process ended during their send: not sent again
    expired: int = 0  # not sent before the campaign expired
    waiting: int = 0  # still to send
    presses: int = 0  # button presses within the window after the send

    def add(self, other: Figures) -> None:
        for f in fields(self)[3:]:
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


_BY_STATUS = {SENT: "sent", FAILED: "failed", BLOCKED: "blocked", UNCONFIRMED: "unconfirmed",
              EXPIRED: "expired", QUEUED: "waiting", SENDING: "waiting"}


async def figures(session: AsyncSession, campaign_ids: Iterable[str] | None = None) -> list[Figures]:
    """One row per (campaign, language, country), sorted."""
    d, p = CampaignDelivery, CampaignPress
    by: dict[tuple[str, str, str], Figures] = {}

    def row(key: tuple[str, str, str]) -> Figures:
        return by.setdefault(key, Figures(*key))

    q = select(d.campaign_id, d.lang, d.country, d.status, func.count()).group_by(
        d.campaign_id, d.lang, d.country, d.status)
    pq = select(p.campaign_id, p.lang, p.country, func.count()).group_by(p.campaign_id, p.lang, p.country)
    if campaign_ids is not None:
        ids = list(campaign_ids)
        q, pq = q.where(d.campaign_id.in_(ids)), pq.where(p.campaign_id.in_(ids))
    for cid, lang, country, status, n in await session.execute(q):
        r = row((cid, lang, country))
        r.queued += n
        name = _BY_STATUS.get(status)
        if name:
            setattr(r, name, getattr(r, name) + n)
    for cid, lang, country, n in await session.execute(pq):
        row((cid, lang, country)).presses += n
    return [by[k] for k in sorted(by)]


def totals(rows: Iterable[Figures]) -> dict[str, Figures]:
    """Per campaign, all languages and countries together."""
    out: dict[str, Figures] = {}
    for r in rows:
        out.setdefault(r.campaign, Figures(r.campaign, "", "")).add(r)
    return out


def to_csv(rows: Iterable[Figures]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[f.name for f in fields(Figures)], lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(asdict(r))
    return buf.getvalue()
