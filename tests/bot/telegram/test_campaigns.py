"""Campaigns against the fake Bot API with aiogram's real client, built as `hamroh serve`
builds them (bot.composition.campaign_scheduler): pacing sped up by settings, the same code."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.campaigns.models import CampaignPress
from bot.campaigns.service import Scheduler
from bot.composition import build_services, build_telegram, campaign_scheduler
from bot.storage.models import User
from bot.telegram.factory import TelegramApp
from bot.telegram.news import NEWS_ON
from shared.stats import percentile
from tests.bot.telegram.campaign_people import FIRST_ID, add_people, write_campaign
from tests.bot.telegram.conftest import eventually, polling, real_bot
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.scripted import make_settings, scripted_understander

OPERATOR_REPLY_TO = 42  # a person in a hotline case, outside the campaign's audience


@pytest.fixture
async def paced(db_url: str, fake_api: FakeBotAPI) -> AsyncIterator[Services]:
    """Telegram's limits x50: 1500/s in all, campaigns 1250/s with 100 tokens kept for replies."""
    settings = make_settings(db_url, fake_api.url, pace_global_per_s=1500, pace_chat_per_s=50)
    settings = settings.model_copy(update={"campaigns": settings.campaigns.model_copy(update={
        "per_s": 1250.0, "reserve": 100.0, "parallel": 8, "interval_s": 0.05})})
    services = await build_services(settings, understander=scripted_understander())
    yield services
    await services.close()


def _scheduler(services: Services, tg: TelegramApp, folder: Path) -> Scheduler:
    scheduler = campaign_scheduler(services, tg)
    scheduler.campaigns.folder = write_campaign(folder)
    return scheduler


def _campaign_calls(api: FakeBotAPI) -> list[int]:
    return [c.chat_id for c in api.calls_of("sendMessage") if c.status == 200 and c.chat_id != OPERATOR_REPLY_TO]


async def test_5000_opted_in_get_it_once_and_replies_keep_flowing(paced: Services, fake_api: FakeBotAPI,
                                                                   tmp_path: Path) -> None:
    audience = await add_people(paced.sessions, opted_in=5000, not_opted=700, blocked=150, other_transport=150)
    tg = build_telegram(paced, bot=real_bot(paced.settings))
    scheduler = _scheduler(paced, tg, tmp_path / "campaigns")
    assert (await scheduler.campaigns.dry_run("wave")).total() == 5000
    assert (await scheduler.campaigns.start("wave", by="test")).people == 5000
    delays: list[float] = []

    async def operator_replies() -> None:
        """What the hotline's outbox does for each operator reply, every 20 ms meanwhile."""
        n = 0
        while True:
            started = time.perf_counter()
            result = await tg.sender.send(str(OPERATOR_REPLY_TO), f"reply {n}")
            assert result.ok
            call = fake_api.calls_of("sendMessage", OPERATOR_REPLY_TO)[-1]
            delays.append(call.at - started)
            n += 1
            await asyncio.sleep(0.02)

    replies = asyncio.create_task(operator_replies())
    try:
        sent = await scheduler.tick()
    finally:
        replies.cancel()
        await scheduler.close()
        await tg.bot.session.close()
    got = collections.Counter(_campaign_calls(fake_api))
    assert sent == 5000 and set(got) == set(audience) and set(got.values()) == {1}
    last_campaign = max(c.at for c in fake_api.calls_of("sendMessage") if c.chat_id != OPERATOR_REPLY_TO)
    during = [c for c in fake_api.calls_of("sendMessage", OPERATOR_REPLY_TO) if c.at < last_campaign]
    assert len(during) >= 5  # answered during the send, not after it
    p99 = percentile(delays, 99) or 0.0
    print(f"\noperators' replies during a 5,000 campaign: {len(delays)}, p99 delay {p99 * 1000:.1f} ms")
    (view,) = await scheduler.campaigns.overview()
    assert (view.status, view.totals.sent, view.totals.queued) == ("done", 5000, 5000)


async def test_403_marks_people_inactive_and_429_waits(paced: Services, fake_api: FakeBotAPI,
                                                       tmp_path: Path) -> None:
    audience = await add_people(paced.sessions, opted_in=30)
    gone = set(audience[:4])
    fake_api.blocked |= gone
    fake_api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, skip=10)
    tg = build_telegram(paced, bot=real_bot(paced.settings))
    scheduler = _scheduler(paced, tg, tmp_path / "campaigns")
    await scheduler.campaigns.start("wave", by="test")
    try:
        await scheduler.tick()
    finally:
        await scheduler.close()
        await tg.bot.session.close()
    delivered = collections.Counter(_campaign_calls(fake_api))
    assert set(delivered) == set(audience) - gone and set(delivered.values()) == {1}
    assert [c.status for c in fake_api.calls_of("sendMessage")].count(429) == 1
    async with paced.sessions() as session:
        blocked = set((await session.scalars(select(User.external_id).where(User.blocked_at.is_not(None)))).all())
    assert blocked == {str(chat) for chat in gone}
    figures = {f.lang: f for f in await scheduler.campaigns.figures()}
    assert sum(f.blocked for f in figures.values()) == 4 and sum(f.sent for f in figures.values()) == 26


async def test_consent_and_a_pressed_button(paced: Services, fake_api: FakeBotAPI, tmp_path: Path) -> None:
    person = FIRST_ID
    async with polling(paced) as tg:
        fake_api.send_text(person, "/start")
        await fake_api.wait_for("sendMessage", chat_id=person, where=lambda c: NEWS_ON in c.buttons())
        fake_api.press(person, NEWS_ON)

        async def opted_in() -> bool:
            async with paced.sessions() as session:
                user = await session.scalar(select(User).where(User.external_id == str(person)))
                return user is not None and user.news
        assert await eventually(opted_in)
        fake_api.send_text(person, "/news")
        await fake_api.wait_for("sendMessage", chat_id=person, where=lambda c: "optin:news:0" in c.buttons())

        scheduler = _scheduler(paced, tg, tmp_path / "campaigns")
        await scheduler.campaigns.start("wave", by="test")
        await scheduler.tick()
        await scheduler.close()
        (campaign_msg,) = fake_api.calls_of("sendMessage", person)[-1:]
        assert campaign_msg.buttons() == ["news:wave:jobs_verify_offer"]
        before = len(fake_api.calls_of("sendMessage", person))
        fake_api.press(person, "news:wave:jobs_verify_offer")
        await fake_api.wait_for("sendMessage", chat_id=person, count=before + 1)  # the topic's answer

        async def pressed() -> list[str]:
            async with paced.sessions() as session:
                return list((await session.scalars(select(CampaignPress.topic))).all())
        assert await eventually(pressed) == ["jobs_verify_offer"]
