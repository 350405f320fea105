"""Audience, queueing, sending, figures and presses on SQLite and PostgreSQL, through a
recording transport (the Telegram side is in tests/bot/telegram/test_campaigns.py)."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.campaigns.models import CampaignDelivery, CampaignPress
from bot.campaigns.sender import Outcome
from bot.campaigns.service import record_press
from bot.storage import repo
from bot.storage.models import User
from tests.bot.campaigns.conftest import NOW, Clock, RecordingTransport, add_person, make, write_campaign

Sessions = async_sessionmaker[AsyncSession]


async def _people(sessions: Sessions) -> dict[str, int]:
    """Everyone a ru/tg campaign for RU people who asked about docs_patent must, or must not, reach."""
    return {
        "yes_ru": await add_person(sessions, "1", asked="docs_patent"),
        "yes_tg": await add_person(sessions, "2", lang="tg", asked="docs_patent"),
        "no_consent": await add_person(sessions, "3", news=False, asked="docs_patent"),
        "blocked": await add_person(sessions, "4", blocked=True, asked="docs_patent"),
        "uz": await add_person(sessions, "5", lang="uz", asked="docs_patent"),
        "in_kz": await add_person(sessions, "6", country="KZ", asked="docs_patent"),
        "asleep": await add_person(sessions, "7", seen=NOW - dt.timedelta(days=400), asked="docs_patent"),
        "other_topic": await add_person(sessions, "8", asked="jobs_debt"),
        "terminal": await add_person(sessions, "9", transport="chat", asked="docs_patent"),
    }


TARGETED = "  countries: [RU]\n  topics: [docs_patent]\n  active_within_days: 90\n"


async def test_the_audience_is_exactly_who_opted_in_and_matches(sessions: Sessions, tmp_path: Path) -> None:
    await _people(sessions)
    write_campaign(tmp_path, "c1", extra=TARGETED)
    transport = RecordingTransport()
    campaigns, sender = make(sessions, tmp_path, transport, Clock())
    assert await campaigns.dry_run("c1") == {("ru", "RU"): 1, ("tg", "RU"): 1}
    started = await campaigns.start("c1", by="test")
    assert (started.state, started.people) == ("queued", 2)
    assert (await campaigns.start("c1", by="test")).state == "before"  # queued once
    assert await sender.run("c1", functools.partial(campaigns.render, campaigns.get("c1"))) == 2
    assert sorted(chat for chat, _ in transport.sent) == ["1", "2"]
    texts = {chat: m for chat, m in transport.sent}
    assert texts["2"].text == "<b>Хабар</b>" and texts["2"].buttons == (("docs_patent (tg)", "news:c1:docs_patent"),)
    (views,) = await campaigns.overview()
    assert views.status == "done" and (views.totals.queued, views.totals.sent) == (2, 2)


async def test_403_marks_the_person_and_later_campaigns_skip_them(sessions: Sessions, tmp_path: Path) -> None:
    await add_person(sessions, "1")
    gone = await add_person(sessions, "2")
    write_campaign(tmp_path, "first")
    write_campaign(tmp_path, "second")
    transport = RecordingTransport(script={"2": [Outcome("blocked", error="Forbidden: bot was blocked")]})
    campaigns, sender = make(sessions, tmp_path, transport, Clock())
    await campaigns.start("first", by="test")
    await sender.run("first", functools.partial(campaigns.render, campaigns.get("first")))
    async with sessions() as session:
        assert (await session.get(User, gone)).blocked_at is not None  # type: ignore[union-attr]
    rows = {(f.lang, f.country): f for f in await campaigns.figures(["first"])}
    assert (rows["ru", "RU"].sent, rows["ru", "RU"].blocked) == (1, 1)
    assert (await campaigns.start("second", by="test")).people == 1
    transport.calls.clear()
    await sender.run("second", functools.partial(campaigns.render, campaigns.get("second")))
    assert transport.calls == ["1"]


async def test_429_holds_the_campaign_and_sends_again_once(sessions: Sessions, tmp_path: Path) -> None:
    for n in range(5):
        await add_person(sessions, str(n))
    write_campaign(tmp_path, "c")
    transport = RecordingTransport(script={"2": [Outcome("retry", retry_after=0.05, error="429")]})
    campaigns, sender = make(sessions, tmp_path, transport, Clock(dt.datetime.now(dt.UTC)))
    sender.clock = lambda: dt.datetime.now(dt.UTC)  # the retry is due after a real 50 ms
    campaigns.clock = sender.clock
    await campaigns.start("c", by="test")
    await sender.run("c", functools.partial(campaigns.render, campaigns.get("c")))
    assert sorted(chat for chat, _ in transport.sent) == ["0", "1", "2", "3", "4"]
    assert transport.calls.count("2") == 2
    assert sender.budget.bucket.hold_until > 0  # the whole campaign waited
    async with sessions() as session:
        attempts = (await session.scalars(select(CampaignDelivery.attempts))).all()
    assert set(attempts) == {1}  # a 429 is not counted as an attempt


async def test_a_killed_send_is_unconfirmed_and_never_sent_again(sessions: Sessions, tmp_path: Path) -> None:
    for n in range(3):
        await add_person(sessions, str(n))
    write_campaign(tmp_path, "c")
    clock = Clock()
    transport = RecordingTransport()
    campaigns, sender = make(sessions, tmp_path, transport, clock, lease_s=30)
    await campaigns.start("c", by="test")
    async with sessions.begin() as session:  # what a process killed mid-request leaves
        first = await session.scalar(select(CampaignDelivery.id).order_by(CampaignDelivery.id).limit(1))
        await session.execute(update(CampaignDelivery).where(CampaignDelivery.id == first).values(
            status="sending", lease_until=NOW + dt.timedelta(seconds=30), attempts=1))
    clock.now = NOW + dt.timedelta(seconds=31)
    await sender.run("c", functools.partial(campaigns.render, campaigns.get("c")))
    assert sorted(transport.calls) == ["1", "2"]
    (f,) = await campaigns.figures()
    assert (f.sent, f.unconfirmed, f.waiting) == (2, 1, 0)


async def test_stop_then_start_again_sends_the_rest_once(sessions: Sessions, tmp_path: Path) -> None:
    for n in range(10):
        await add_person(sessions, str(n))
    write_campaign(tmp_path, "c")
    transport = RecordingTransport()
    campaigns, sender = make(sessions, tmp_path, transport, Clock(), parallel=1)
    transport.on_send = lambda n: campaigns.stop("c") if n == 3 else None
    await campaigns.start("c", by="test")
    render = functools.partial(campaigns.render, campaigns.get("c"))
    await sender.run("c", render)
    assert len(transport.sent) == 3
    assert (await campaigns.overview())[0].status == "stopped"
    transport.on_send = None
    assert (await campaigns.start("c", by="console")).state == "resumed"
    await sender.run("c", render)
    assert sorted(chat for chat, _ in transport.sent) == [str(n) for n in range(10)]


async def test_nothing_goes_out_after_the_expiry(sessions: Sessions, tmp_path: Path) -> None:
    await add_person(sessions, "1")
    write_campaign(tmp_path, "c")
    clock = Clock()
    transport = RecordingTransport()
    campaigns, sender = make(sessions, tmp_path, transport, clock)
    await campaigns.start("c", by="test")
    clock.now = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
    await sender.run("c", functools.partial(campaigns.render, campaigns.get("c")))
    assert transport.calls == []
    (f,) = await campaigns.figures()
    assert (f.expired, f.sent) == (1, 0)


async def test_the_scheduler_queues_a_campaign_at_its_time_only(sessions: Sessions, tmp_path: Path) -> None:
    await add_person(sessions, "1")
    write_campaign(tmp_path, "later", send_at="2027-01-15T10:00")  # Moscow time: 07:00 UTC
    clock = Clock(dt.datetime(2027, 1, 15, 6, 59, tzinfo=dt.UTC))
    campaigns, _ = make(sessions, tmp_path, RecordingTransport(), clock)
    assert await campaigns.queue_due() == []
    assert (await campaigns.overview())[0].status == "scheduled"
    clock.now = dt.datetime(2027, 1, 15, 7, 0, tzinfo=dt.UTC)
    assert await campaigns.queue_due() == ["later"]
    assert await campaigns.queue_due() == []


async def test_presses_count_within_seven_days_without_the_person(sessions: Sessions, tmp_path: Path) -> None:
    person = await add_person(sessions, "1", country=None)
    stranger = await add_person(sessions, "2", news=False)
    write_campaign(tmp_path, "c")
    campaigns, sender = make(sessions, tmp_path, RecordingTransport(), Clock())
    await campaigns.start("c", by="test")
    await sender.run("c", functools.partial(campaigns.render, campaigns.get("c")))
    async with sessions.begin() as session:
        press = functools.partial(record_press, session, campaign_id="c", topic="docs_patent", window_days=7)
        assert await press(user_id=person, now=NOW + dt.timedelta(days=6))
        assert not await press(user_id=person, now=NOW + dt.timedelta(days=8))
        assert not await press(user_id=stranger, now=NOW)
    (f,) = await campaigns.figures()
    assert (f.lang, f.country, f.presses) == ("ru", "", 1)
    csv = campaigns.csv(await campaigns.figures())
    assert csv.splitlines()[0].startswith("campaign,lang,country,queued,sent") and ",1\n" in csv
    async with sessions() as session:
        assert (await session.scalars(select(CampaignPress.topic))).all() == ["docs_patent"]


async def test_forget_keeps_the_figures_but_not_the_person(sessions: Sessions, tmp_path: Path) -> None:
    person = await add_person(sessions, "1")
    write_campaign(tmp_path, "c")
    campaigns, sender = make(sessions, tmp_path, RecordingTransport(), Clock())
    await campaigns.start("c", by="test")
    await sender.run("c", functools.partial(campaigns.render, campaigns.get("c")))
    async with sessions.begin() as session:
        user = await session.get(User, person)
        assert user is not None
        await repo.forget_user(session, user=user)
    async with sessions() as session:
        assert (await session.scalars(select(CampaignDelivery.user_id))).all() == [None]
    assert (await campaigns.figures())[0].sent == 1
