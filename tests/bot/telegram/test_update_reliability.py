"""Webhook updates through the fake Bot API with aiogram's real client: answered exactly once
under load and 429s, never replayed while in flight, retried and then dead-lettered.

Telegram's minutes run in seconds here: the lease (60 s), the replay interval (15 s), the
heartbeat, the pacing (1/s per chat, 30/s overall) and `retry_after` (75 s) are all divided by
the same factor, so a 429 still holds a handler longer than the lease, as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from pydantic import SecretStr
from sqlalchemy import func, select
from structlog.testing import capture_logs

from bot.app import Services
from bot.composition import build_telegram
from bot.storage.models import Event
from bot.telegram.factory import APOLOGY, TelegramApp
from bot.telegram.models import StoredUpdate
from bot.telegram.serve import webhook_mode
from bot.telegram.update_store import UpdateStore
from bot.telegram.updates import UpdateProcessor
from bot.telegram.webhook import StoringRequestHandler
from tests.bot.telegram.conftest import eventually, real_bot
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.test_e2e_webhook import SECRET, free_port

SCALE = 20.0  # Telegram seconds per test second
QUESTION = "Как получить патент"


class ScaledRetryAfter(BaseRequestMiddleware):
    """Between aiogram's client and the delivery middleware: Telegram's `retry_after` in
    test seconds (the fake server answers the real 429 with `retry_after: 75`)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as e:
            e.retry_after = e.retry_after / self.scale  # type: ignore[assignment]
            raise


def default_pacing(services: Services, scale: float = SCALE) -> None:
    tg = services.settings.telegram
    tg.pace_chat_per_s, tg.pace_chat_burst = 1.0 * scale, 3
    tg.pace_group_per_min, tg.pace_global_per_s = 20.0 * scale, 30.0 * scale


@contextlib.asynccontextmanager
async def scaled_webhook(services: Services, scale: float = SCALE
                         ) -> AsyncIterator[tuple[TelegramApp, StoringRequestHandler]]:
    port = free_port()
    s = services.settings.telegram
    s.mode, s.webhook_port, s.webhook_secret = "webhook", port, SecretStr(SECRET)
    s.webhook_url = f"http://127.0.0.1:{port}{s.webhook_path}"
    bot = real_bot(services.settings)
    bot.session.middleware(ScaledRetryAfter(scale))
    tg = build_telegram(services, bot=bot)
    try:
        async with webhook_mode(tg, services, lease_s=60.0 / scale, replay_every_s=15.0 / scale) as handler:
            yield tg, handler
    finally:
        await tg.bot.session.close()


async def _stored(services: Services) -> list[StoredUpdate]:
    async with services.sessions() as session:
        return list((await session.scalars(select(StoredUpdate))).all())


async def test_2000_updates_with_429s_are_answered_exactly_once(services: Services, fake_api: FakeBotAPI) -> None:
    default_pacing(services)
    people = [700_000 + i for i in range(500)]
    per_person = 4
    for chat in people[::25]:  # 20 people hit a 429 "retry after 75" on their first answer
        fake_api.fail("sendMessage", 429, "Too Many Requests: retry after 75", retry_after=75, chat_id=chat)
    async with scaled_webhook(services) as (_tg, handler):
        probe = 699_999  # what one person gets for these messages, sent one by one
        for _ in range(per_person):
            fake_api.send_text(probe, QUESTION)
            await asyncio.sleep(0.3)
        await fake_api.wait_for("sendMessage", chat_id=probe, count=per_person)
        await asyncio.sleep(1.0)
        expected = len(fake_api.delivered_to(probe))
        started = time.monotonic()
        for _ in range(per_person):
            for chat in people:
                fake_api.send_text(chat, QUESTION)

        async def all_answered() -> bool:
            await asyncio.sleep(0.2)  # counting 4,000 calls takes time from the bot under test
            got = Counter(c.chat_id for c in fake_api.calls if c.method == "sendMessage" and c.status == 200)
            return all(got[c] >= expected for c in people)
        assert await eventually(all_answered, within=100.0), "some updates were never answered"
        elapsed = time.monotonic() - started
        print(f"2,000 updates answered in {elapsed:.1f} s")
        await asyncio.sleep(60.0 / SCALE + 0.5)  # past a lease and several replay rounds
        rows = await _stored(services)
    assert len(fake_api.calls_of("sendMessage", chat_id=people[0])) > expected  # the 429s happened
    got = Counter(c.chat_id for c in fake_api.calls if c.method == "sendMessage" and c.status == 200)
    assert {got[c] for c in people} == {expected}  # none lost, none twice
    assert set(fake_api.webhook_statuses) == {200}
    assert len(rows) == len(people) * per_person + per_person
    assert {r.status for r in rows} == {"done"} and {r.attempts for r in rows} == {1}
    assert handler.processor.replayed == 0
    async with services.sessions() as session:
        inbound = await session.scalar(select(func.count()).select_from(Event).where(Event.direction == "in"))
    assert inbound == len(rows)  # each update handled once by the engine


async def test_an_update_in_flight_is_not_replayed(services: Services, fake_api: FakeBotAPI) -> None:
    person = 4242
    fake_api.fail("sendMessage", 429, "Too Many Requests: retry after 75", retry_after=75, chat_id=person)
    async with scaled_webhook(services) as (tg, handler):
        # Another process sharing the database, replaying as often as it can.
        other = UpdateProcessor(tg.dp, UpdateStore(services.sessions, lease_s=60.0 / SCALE))
        fake_api.send_text(person + 1, QUESTION)  # what one question gets without a 429
        await asyncio.sleep(1.0)
        expected = fake_api.delivered_to(person + 1)
        update = fake_api.send_text(person, QUESTION)
        await fake_api.wait_for("sendMessage", chat_id=person)  # the 429: the handler now waits 3.75 s
        started = time.monotonic()
        while time.monotonic() - started < 75.0 / SCALE - 0.3:  # longer than the 3 s lease
            assert await other.replay(tg.bot) == 0
            assert await handler.replay(tg.bot) == 0
            await asyncio.sleep(0.1)
        async with services.sessions() as session:
            row = await session.get(StoredUpdate, update["update_id"])
        assert row is not None and row.status == "pending" and row.claimed_at is not None
        assert row.claimed_at > row.received_at + dt.timedelta(seconds=60.0 / SCALE)  # renewed
        await eventually(lambda: len(fake_api.delivered_to(person)) >= len(expected), within=5.0)
        await asyncio.sleep(0.5)
        assert await other.replay(tg.bot) == 0
    assert expected and fake_api.delivered_to(person) == expected  # each message once


class Failing:
    """A message middleware that fails the first `times` attempts (say, the database is down)."""

    def __init__(self, times: int) -> None:
        self.times, self.calls = times, 0

    async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        self.calls += 1
        if self.calls <= self.times:
            raise RuntimeError("database is down")
        return await handler(event, data)


async def _retrying(services: Services, fake_api: FakeBotAPI, failing: Failing, person: int) -> StoredUpdate:
    async with scaled_webhook(services) as (tg, handler):
        handler.store.max_attempts, handler.store.backoff_base_s = 3, 0.2
        tg.dp.message.outer_middleware(failing)
        update = fake_api.send_text(person, QUESTION)

        async def settled() -> StoredUpdate | None:
            async with services.sessions() as session:
                row = await session.get(StoredUpdate, update["update_id"])
            return row if row is not None and row.status != "pending" else None
        row = await eventually(settled, within=10.0)
        await asyncio.sleep(0.5)
    assert row is not None
    return row


async def test_a_failing_update_is_retried_with_backoff_then_answered(
        services: Services, fake_api: FakeBotAPI) -> None:
    failing = Failing(times=2)
    row = await _retrying(services, fake_api, failing, person=5050)
    assert (row.status, row.attempts, failing.calls) == ("done", 3, 3)
    texts = fake_api.delivered_to(5050)
    assert texts and len(set(texts)) == len(texts) and APOLOGY not in texts  # answered once, no apology


async def test_an_update_that_keeps_failing_is_dead_lettered(services: Services, fake_api: FakeBotAPI) -> None:
    failing = Failing(times=100)
    with capture_logs() as logs:
        row = await _retrying(services, fake_api, failing, person=6060)
    assert (row.status, row.attempts, failing.calls) == ("dead", 3, 3)
    assert row.error == "RuntimeError: database is down" and row.payload  # kept for inspection
    assert fake_api.delivered_to(6060) == [APOLOGY]  # told once, when we gave up
    assert [e["update_id"] for e in logs if e["event"] == "telegram.update_dead"] == [row.update_id]
    store = UpdateStore(services.sessions)
    assert await store.count_dead() == 1
    assert [d.update_id for d in await store.dead()] == [row.update_id]
