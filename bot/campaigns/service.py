"""Campaigns as one object for the CLI, the console and `hamroh serve`: the editors' files,
previews, the audience, starting and stopping, figures, button presses, and the scheduler."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.campaigns import audience, figures
from bot.campaigns.config import CampaignSettings
from bot.campaigns.figures import Figures
from bot.campaigns.models import RUNNING, SENT, STOPPED, CampaignDelivery, CampaignPress, CampaignRun
from bot.campaigns.schema import Campaign, load_campaigns
from bot.campaigns.sender import CampaignSender, Rendered
from bot.content.store import ContentStore
from bot.storage.models import utcnow
from nlu.languages import is_lang
from shared.loops import Waker

log = structlog.get_logger(__name__)
Clock = Callable[[], dt.datetime]
Titles = Callable[[str, str], str | None]  # (language, topic) -> the topic's title


def topic_title(store: ContentStore, lang: str, topic: str) -> str | None:
    """A button's label: the topic's title in that language, from the live content."""
    answer = store.content.answer(lang, topic) if is_lang(lang) else None
    return answer.title if answer is not None else None


@dataclass(frozen=True)
class Started:
    state: str  # queued | resumed (a stopped one) | before (queued earlier: nothing done)
    people: int = 0


@dataclass
class CampaignView:
    """A campaign as the console's supervisor page shows it (no person in it)."""

    id: str
    title: str
    send_at: dt.datetime | None
    expires_at: dt.datetime
    status: str  # scheduled | not_started | running | stopped | done | expired
    totals: Figures
    rows: list[Figures] = field(default_factory=list)

    @property
    def can_start(self) -> bool:
        return self.status in ("scheduled", "not_started", STOPPED)

    @property
    def can_stop(self) -> bool:
        return self.status == RUNNING


class Campaigns:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: CampaignSettings, folder: Path,
                 *, titles: Titles = lambda lang, topic: None, clock: Clock = utcnow) -> None:
        self.sessions, self.settings, self.folder, self.titles = sessions, settings, folder, titles
        self.clock = clock
        self.tz = ZoneInfo(settings.timezone)

    def load(self) -> dict[str, Campaign]:
        """The campaigns without errors, read now (editors' changes apply at the next use)."""
        found, problems = load_campaigns(self.folder)
        for problem in problems:
            if problem.is_error:
                log.warning("campaign.refused", problem=str(problem))
        return found

    def get(self, campaign_id: str) -> Campaign:
        found = self.load()
        if campaign_id not in found:
            raise KeyError(f"no campaign {campaign_id!r} without errors in {self.folder} "
                           f"(run `hamroh content check`)")
        return found[campaign_id]

    def render(self, campaign: Campaign, lang: str) -> Rendered:
        text = campaign.text.get(lang) or next(iter(campaign.text.values()))  # type: ignore[call-overload]
        buttons = tuple((self.titles(lang, topic) or topic, campaign.payload(topic)) for topic in campaign.buttons)
        return Rendered(text.strip(), buttons)

    async def dry_run(self, campaign_id: str) -> Counter[tuple[str, str]]:
        async with self.sessions() as session:
            return await audience.audience_size(session, self.get(campaign_id), self.clock())

    async def start(self, campaign_id: str, *, by: str) -> Started:
        """Queue the campaign for its audience now, or run a stopped one again. Raises
        KeyError for an unknown (or broken) campaign, ValueError for an expired one."""
        campaign = self.get(campaign_id)
        now = self.clock()
        _, expires_at = campaign.when(self.tz)
        if expires_at <= now:
            raise ValueError(f"campaign {campaign_id!r} expired at {expires_at.isoformat()}")
        async with self.sessions.begin() as session:
            run = await session.get(CampaignRun, campaign_id)
            if run is not None:
                if run.status == STOPPED:
                    run.status = RUNNING
                    return Started("resumed")
                return Started("before")
            queued = await audience.queue_campaign(session, campaign, now=now, expires_at=expires_at, by=by)
        if queued is None:
            return Started("before")
        log.info("campaign.queued", campaign=campaign_id, people=queued, by=by)
        return Started("queued", queued)

    async def stop(self, campaign_id: str) -> bool:
        async with self.sessions.begin() as session:
            result = await session.execute(update(CampaignRun).where(
                CampaignRun.id == campaign_id, CampaignRun.status == RUNNING).values(status=STOPPED)
                .execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0))

    async def runs(self) -> dict[str, CampaignRun]:
        async with self.sessions() as session:
            return {r.id: r for r in (await session.scalars(select(CampaignRun))).all()}

    async def figures(self, campaign_ids: list[str] | None = None) -> list[Figures]:
        async with self.sessions() as session:
            return await figures.figures(session, campaign_ids)

    async def overview(self) -> list[CampaignView]:
        runs, rows, now = await self.runs(), await self.figures(), self.clock()
        by_campaign: dict[str, list[Figures]] = {}
        for r in rows:
            by_campaign.setdefault(r.campaign, []).append(r)
        views = []
        for c in self.load().values():
            send_at, expires_at = c.when(self.tz)
            run = runs.get(c.id)
            status = run.status if run is not None else "expired" if expires_at <= now else \
                "scheduled" if send_at is not None else "not_started"
            mine = by_campaign.get(c.id, [])
            views.append(CampaignView(c.id, c.title, send_at, expires_at, status,
                                      figures.totals(mine).get(c.id, Figures(c.id, "", "")), mine))
        return sorted(views, key=lambda v: (v.send_at or v.expires_at), reverse=True)

    def csv(self, rows: list[Figures]) -> str:
        return figures.to_csv(rows)

    async def queue_due(self) -> list[str]:
        """Queue the scheduled campaigns whose time has come (once each; not after expiry)."""
        now, started = self.clock(), []
        runs = await self.runs()
        for campaign in self.load().values():
            send_at, expires_at = campaign.when(self.tz)
            due = send_at is not None and send_at <= now < expires_at and campaign.id not in runs
            if due and (await self.start(campaign.id, by="scheduler")).state == "queued":
                started.append(campaign.id)
        return started


async def record_press(session: AsyncSession, *, user_id: int, campaign_id: str, topic: str, now: dt.datetime,
                       window_days: int) -> bool:
    """Count a campaign button's press when it comes within the window after the person's
    send (kept as language and country only)."""
    delivery = await session.scalar(select(CampaignDelivery).where(
        CampaignDelivery.campaign_id == campaign_id, CampaignDelivery.user_id == user_id,
        CampaignDelivery.status == SENT))
    if delivery is None or delivery.sent_at is None:
        return False
    sent_at = delivery.sent_at if delivery.sent_at.tzinfo else delivery.sent_at.replace(tzinfo=dt.UTC)
    if now - sent_at > dt.timedelta(days=window_days):
        return False
    session.add(CampaignPress(campaign_id=campaign_id, lang=delivery.lang, country=delivery.country,
                              topic=topic[:48], at=now))
    return True


class Scheduler(Waker):
    """Inside `hamroh serve`: queues scheduled campaigns at their time and sends running ones."""

    def __init__(self, campaigns: Campaigns, sender: CampaignSender) -> None:
        self.campaigns, self.sender = campaigns, sender
        Waker.__init__(self)

    async def tick(self) -> int:
        await self.campaigns.queue_due()
        sent = 0
        loaded = self.campaigns.load()
        for run in (await self.campaigns.runs()).values():
            campaign = loaded.get(run.id)
            if run.status != RUNNING:
                continue
            if campaign is None:
                log.warning("campaign.file_missing", campaign=run.id)
                continue
            sent += await self.sender.run(run.id, functools.partial(self.campaigns.render, campaign))
        return sent

    async def run(self) -> None:
        await self.loop(self.tick, interval_s=self.campaigns.settings.interval_s, name="campaigns")

    async def close(self) -> None:
        await self.sender.transport.close()
