"""Reminders on the real databases (SQLite and PostgreSQL) with a controlled clock: setting,
changing, cancelling, /forget, and the worker sending each reminder once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.i18n import Catalogs
from bot.reminders import repo as rrepo
from bot.reminders.models import Reminder, ReminderSend
from bot.reminders.service import ReminderProblem, Reminders
from bot.reminders.worker import Notice, ReminderWorker
from bot.settings import ReminderSettings
from bot.storage import repo
from bot.storage.db import make_sessionmaker
from hotline_router.relay import DeliveryResult

UTC = dt.UTC
D = dt.date


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class FakeSender:
    transport: str = "telegram"
    sent: list[Notice] = field(default_factory=list)
    results: list[DeliveryResult] = field(default_factory=list)

    async def send(self, notice: Notice) -> DeliveryResult:
        result = self.results.pop(0) if self.results else DeliveryResult(ok=True)
        if result.ok:
            self.sent.append(notice)
        return result


@pytest.fixture
def sessions(any_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(any_engine)


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load()


async def person(sessions: async_sessionmaker[AsyncSession], external_id: str, *, country: str | None = "RU",
                 lang: str = "ru") -> int:
    async with sessions.begin() as session:
        user, _ = await repo.get_or_create_user(session, transport="telegram", external_id=external_id)
        user.country, user.lang = country, lang
        await session.flush()
        return user.id


async def sends(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int, str, dt.datetime]]:
    async with sessions() as session:
        rows = (await session.execute(select(ReminderSend.days_before, ReminderSend.status, ReminderSend.due_at)
                                      .order_by(ReminderSend.due_at))).all()
    return [(d, s, at if at.tzinfo else at.replace(tzinfo=UTC)) for d, s, at in rows]


async def test_set_change_cancel_and_forget(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock(dt.datetime(2027, 1, 20, 12, tzinfo=UTC))
    service = Reminders(ReminderSettings(), clock=clock)
    uid = await person(sessions, "101")
    async with sessions.begin() as session:
        saved = await service.set(session, user_id=uid, country="RU", kind="patent", date=D(2027, 1, 31))
    assert saved.deadline == D(2027, 1, 31)
    assert [t.strftime("%d.%m %H:%M %Z") for t in saved.times] == ["28.01 10:00 MSK", "30.01 10:00 MSK"]
    assert [(d, s) for d, s, _ in await sends(sessions)] == [(3, "pending"), (1, "pending")]
    # A new date of the same kind replaces the old one and its reminders.
    async with sessions.begin() as session:
        again = await service.set(session, user_id=uid, country="RU", kind="patent", date=D(2027, 2, 28))
    assert again.reminder_id == saved.reminder_id
    assert [at.date() for _, _, at in await sends(sessions)] == [D(2027, 2, 25), D(2027, 2, 27)]
    async with sessions.begin() as session:
        nxt = await service.next_month(session, user_id=uid, country="RU", reminder_id=saved.reminder_id)
    assert nxt is not None and nxt.date == D(2027, 3, 31)
    other = await person(sessions, "202")
    async with sessions.begin() as session:
        assert not await service.cancel(session, user_id=other, reminder_id=saved.reminder_id)  # not theirs
        await service.set(session, user_id=uid, country="RU", kind="stay", date=D(2027, 1, 5))
        assert [r.kind for r in await service.list(session, user_id=uid)] == ["patent", "stay"]
        assert await service.cancel(session, user_id=uid, reminder_id=saved.reminder_id)
        assert [r.kind for r in await service.list(session, user_id=uid)] == ["stay"]
        assert await rrepo.forget(session, user_id=uid) == 1
    async with sessions() as session:
        assert (await session.scalars(select(Reminder))).all() == []
        assert (await session.scalars(select(ReminderSend))).all() == []


@pytest.mark.parametrize("kind,date,reason", [
    ("patent", D(2027, 1, 19), "passed"),
    ("registration", D(2028, 6, 1), "too_far"),
    ("stay", D(2027, 1, 21), "future_entry"),
    ("stay", D(2025, 12, 1), "too_old"),
    ("stay", D(2026, 9, 1), "passed"),  # 90 days from 1 Sep 2026 ended on 29 Nov 2026
])
async def test_dates_that_make_no_sense(sessions: async_sessionmaker[AsyncSession], kind: str, date: dt.date,
                                        reason: str) -> None:
    service = Reminders(ReminderSettings(), clock=Clock(dt.datetime(2027, 1, 20, 12, tzinfo=UTC)))
    uid = await person(sessions, "303")
    async with sessions.begin() as session:
        with pytest.raises(ReminderProblem) as caught:
            await service.set(session, user_id=uid, country="RU", kind=kind, date=date)  # type: ignore[arg-type]
    assert caught.value.reason == reason


async def test_too_many_reminders(sessions: async_sessionmaker[AsyncSession]) -> None:
    service = Reminders(ReminderSettings(max_per_person=1), clock=Clock(dt.datetime(2027, 1, 20, tzinfo=UTC)))
    uid = await person(sessions, "404")
    async with sessions.begin() as session:
        await service.set(session, user_id=uid, country="RU", kind="patent", date=D(2027, 3, 1))
        with pytest.raises(ReminderProblem, match="too_many"):
            await service.set(session, user_id=uid, country="RU", kind="registration", date=D(2027, 3, 1))


async def test_worker_sends_each_reminder_once_at_its_hour(sessions: async_sessionmaker[AsyncSession],
                                                           catalogs: Catalogs) -> None:
    clock = Clock(dt.datetime(2027, 2, 20, 12, tzinfo=UTC))
    settings = ReminderSettings()
    service = Reminders(settings, clock=clock)
    ru, kz = await person(sessions, "501", country="RU", lang="ru"), await person(sessions, "502", country="KZ",
                                                                                 lang="uz")
    async with sessions.begin() as session:
        await service.set(session, user_id=ru, country="RU", kind="patent", date=D(2027, 2, 28))
        await service.set(session, user_id=kz, country="KZ", kind="patent", date=D(2027, 2, 28))
    sender = FakeSender()
    worker = ReminderWorker(sessions, sender, catalogs, settings, clock=clock)
    # 25 February 2027: 10:00 in Almaty is 05:00 UTC, in Moscow 07:00 UTC.
    clock.now = dt.datetime(2027, 2, 25, 4, 59, tzinfo=UTC)
    assert await worker.run_once() == 0
    clock.now = dt.datetime(2027, 2, 25, 5, 0, tzinfo=UTC)
    assert await worker.run_once() == 1
    assert [n.external_id for n in sender.sent] == ["502"]
    assert "Qolgan kunlar: 3." in sender.sent[0].text and "28.02.2027" in sender.sent[0].text
    clock.now = dt.datetime(2027, 2, 25, 7, 0, tzinfo=UTC)
    assert await worker.run_once() == 1
    assert sender.sent[-1].external_id == "501" and "Осталось дней: 3." in sender.sent[-1].text
    assert await worker.run_once() == 0  # nothing twice
    clock.now = dt.datetime(2027, 2, 27, 8, tzinfo=UTC)
    assert await worker.run_once() == 2
    assert await worker.run_once() == 0
    assert len(sender.sent) == 4 and {s for _, s, _ in await sends(sessions)} == {"sent"}


async def test_retry_after_a_failure_and_give_up_when_blocked(sessions: async_sessionmaker[AsyncSession],
                                                              catalogs: Catalogs) -> None:
    clock = Clock(dt.datetime(2027, 3, 1, tzinfo=UTC))
    settings = ReminderSettings(days_before=(1,))
    uid = await person(sessions, "601")
    async with sessions.begin() as session:
        await Reminders(settings, clock=clock).set(session, user_id=uid, country="RU", kind="registration",
                                                   date=D(2027, 3, 10))
    sender = FakeSender(results=[DeliveryResult(ok=False, error="network"), DeliveryResult(ok=True)])
    worker = ReminderWorker(sessions, sender, catalogs, settings, clock=clock)
    clock.now = dt.datetime(2027, 3, 9, 7, tzinfo=UTC)
    assert await worker.run_once() == 0
    assert await worker.run_once() == 0  # waits for the backoff
    clock.now += dt.timedelta(minutes=2)
    assert await worker.run_once() == 1
    uid2 = await person(sessions, "602")
    async with sessions.begin() as session:
        await Reminders(settings, clock=Clock(dt.datetime(2027, 3, 1, tzinfo=UTC))).set(
            session, user_id=uid2, country="RU", kind="registration", date=D(2027, 3, 10))
    sender.results = [DeliveryResult(ok=False, error="blocked", retry=False)]
    assert await worker.run_once() == 0
    clock.now += dt.timedelta(days=1)
    assert await worker.run_once() == 0
    assert sorted(s for _, s, _ in await sends(sessions)) == ["failed", "sent"]


async def test_a_claim_left_by_a_dead_process_is_sent_after_the_lease(
        sessions: async_sessionmaker[AsyncSession], catalogs: Catalogs) -> None:
    clock = Clock(dt.datetime(2027, 3, 1, tzinfo=UTC))
    settings = ReminderSettings(days_before=(1,), lease_s=60)
    uid = await person(sessions, "701")
    async with sessions.begin() as session:
        await Reminders(settings, clock=clock).set(session, user_id=uid, country="RU", kind="patent",
                                                   date=D(2027, 3, 10))
    clock.now = dt.datetime(2027, 3, 9, 7, tzinfo=UTC)
    async with sessions() as session:
        send_id = (await session.scalars(select(ReminderSend.id))).one()
    async with sessions.begin() as session:  # a process claimed it, then died before sending
        assert await rrepo.claim(session, send_id=send_id, now=clock.now, lease_s=60)
    sender = FakeSender()
    worker = ReminderWorker(sessions, sender, catalogs, settings, clock=clock)
    assert await worker.run_once() == 0  # still leased
    clock.now += dt.timedelta(seconds=61)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    assert len(sender.sent) == 1


async def test_after_a_downtime_only_the_latest_reminder_goes(sessions: async_sessionmaker[AsyncSession],
                                                               catalogs: Catalogs) -> None:
    clock = Clock(dt.datetime(2027, 3, 1, tzinfo=UTC))
    settings = ReminderSettings()
    uid = await person(sessions, "901")
    async with sessions.begin() as session:
        await Reminders(settings, clock=clock).set(session, user_id=uid, country="RU", kind="patent",
                                                   date=D(2027, 3, 10))
    clock.now = dt.datetime(2027, 3, 9, 12, tzinfo=UTC)  # down from before the 3-day reminder
    sender = FakeSender()
    assert await ReminderWorker(sessions, sender, catalogs, settings, clock=clock).run_once() == 1
    assert "Осталось дней: 1." in sender.sent[0].text
    assert [(d, s) for d, s, _ in await sends(sessions)] == [(3, "skipped"), (1, "sent")]


async def test_a_deadline_passed_while_the_service_was_down_is_not_sent(
        sessions: async_sessionmaker[AsyncSession], catalogs: Catalogs) -> None:
    clock = Clock(dt.datetime(2027, 3, 1, tzinfo=UTC))
    settings = ReminderSettings()
    uid = await person(sessions, "801")
    async with sessions.begin() as session:
        await Reminders(settings, clock=clock).set(session, user_id=uid, country="RU", kind="patent",
                                                   date=D(2027, 3, 10))
    clock.now = dt.datetime(2027, 3, 11, 7, tzinfo=UTC)
    sender = FakeSender()
    assert await ReminderWorker(sessions, sender, catalogs, settings, clock=clock).run_once() == 0
    assert sender.sent == [] and [(d, s) for d, s, _ in await sends(sessions)] == [(3, "skipped"), (1, "expired")]
