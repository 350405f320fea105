"""The request middleware: 429 retry_after honoured, network errors retried with backoff,
pacing per chat and overall; and the per-person flood limiters (memory and Redis)."""

from __future__ import annotations

import time
import uuid

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import SendMessage
from pydantic import SecretStr

from bot.settings import TelegramSettings
from bot.telegram.delivery import DeliveryMiddleware, Pacer
from bot.telegram.factory import make_bot
from bot.telegram.flood import MemoryFloodLimiter, RedisFloodLimiter
from tests.bot.telegram.mocked_session import MockedSession

METHOD = SendMessage(chat_id=1, text="x")


def bot_with(mw: DeliveryMiddleware) -> tuple[MockedSession, Bot]:
    session = MockedSession()
    bot = make_bot(TelegramSettings(token=SecretStr("1:x")), session=session)
    session.middleware._middlewares[:] = [mw]  # only the middleware under test
    return session, bot


async def test_retry_after_is_waited_then_sent() -> None:
    mw = DeliveryMiddleware(None)
    session, bot = bot_with(mw)
    session.raise_next = [TelegramRetryAfter(method=METHOD, message="Too Many Requests", retry_after=1)]
    started = time.monotonic()
    await bot.send_message(1, "hello")
    assert time.monotonic() - started >= 0.95
    assert len(session.sent()) == 2 and mw.retries == 1


async def test_network_errors_retry_with_backoff_then_give_up() -> None:
    mw = DeliveryMiddleware(None, max_retries=2, backoff_base_s=0.01)
    session, bot = bot_with(mw)
    session.raise_next = [TelegramNetworkError(method=METHOD, message="reset")] * 3
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(1, "hello")
    assert len(session.sent()) == 3  # first try + 2 retries


async def test_a_blocked_person_is_not_retried() -> None:
    mw = DeliveryMiddleware(None)
    session, bot = bot_with(mw)
    session.raise_next = [TelegramForbiddenError(method=METHOD, message="Forbidden: bot was blocked by the user")]
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(1, "hello")
    assert len(session.sent()) == 1


async def test_a_huge_retry_after_is_not_waited_inside_a_handler() -> None:
    mw = DeliveryMiddleware(None, max_retry_after_s=5)
    session, bot = bot_with(mw)
    session.raise_next = [TelegramRetryAfter(method=METHOD, message="Too Many Requests", retry_after=600)]
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "hello")


async def test_pacing_per_chat_allows_a_burst_then_one_per_second() -> None:
    # 2 a second, so "at once" (well under the 0.5 s a token takes) holds on a busy CI machine.
    pacer = Pacer(chat_per_s=2.0, chat_burst=3, group_per_min=0, global_per_s=0)
    started = time.monotonic()
    for _ in range(3):
        await pacer.wait(1)
    assert time.monotonic() - started < 0.4  # the burst passes at once
    for _ in range(2):
        await pacer.wait(1)
    assert time.monotonic() - started >= 2 / 2 - 0.05  # then one token every half second
    other = time.monotonic()
    await pacer.wait(2)  # another chat is not held up
    assert time.monotonic() - other < 0.4


async def test_global_pacing_and_hold_after_retry_after() -> None:
    pacer = Pacer(chat_per_s=0, chat_burst=1, group_per_min=60.0, global_per_s=50.0)
    started = time.monotonic()
    for chat in range(100):
        await pacer.wait(chat)
    assert time.monotonic() - started >= (100 - 50) / 50 - 0.05  # 50 burst, then 50/s
    pacer.hold(-5, 0.2)
    held = time.monotonic()
    await pacer.wait(-5)
    assert time.monotonic() - held >= 0.18


async def test_memory_flood_limiter_tells_once() -> None:
    limiter = MemoryFloodLimiter(burst=2, per_minute=60)
    verdicts = [await limiter.hit(7) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, False, False]
    assert [v.notify for v in verdicts] == [False, False, True, False]
    assert (await limiter.hit(8)).allowed  # someone else is not affected


async def test_redis_flood_limiter_is_shared(redis_url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    prefix = f"hamroh-test-{uuid.uuid4().hex[:8]}:flood"
    a = RedisFloodLimiter(redis, burst=2, per_minute=60, prefix=prefix)
    b = RedisFloodLimiter(redis, burst=2, per_minute=60, prefix=prefix)  # another process
    try:
        verdicts = [await a.hit(7), await b.hit(7), await a.hit(7), await b.hit(7)]
        assert [v.allowed for v in verdicts] == [True, True, False, False]
        assert [v.notify for v in verdicts] == [False, False, True, False]
    finally:
        await redis.delete(f"{prefix}:7")
        await redis.aclose()
