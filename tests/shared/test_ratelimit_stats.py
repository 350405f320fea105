"""The one token bucket (memory and Redis agree) and the one percentile helper."""

from __future__ import annotations

import statistics
import uuid

import pytest

from shared.ratelimit import Buckets, RedisBuckets, TokenBucket
from shared.stats import percentile, percentiles


def test_bucket_burst_then_rate() -> None:
    b = TokenBucket(2.0, 3, now=0.0)
    assert [b.try_take(0.0) for _ in range(4)] == [True, True, True, False]
    assert b.delay(0.0) == pytest.approx(0.5)
    assert not b.try_take(0.4) and b.try_take(0.5)
    assert b.refill(100.0) == 3.0  # never above capacity


def test_bucket_hold_and_forgetting_idle_keys() -> None:
    b = TokenBucket(10.0, 1, now=0.0)
    b.hold(5.0, now=0.0)
    assert not b.try_take(1.0) and b.delay(1.0) == pytest.approx(4.0) and b.try_take(5.0)
    buckets = Buckets(1.0, 2, max_keys=2)
    buckets.get("a", 0.0).try_take(0.0)
    buckets.get("b", 0.0)
    buckets.get("c", 0.0)  # over the limit: idle full "b" is forgotten, busy "a" kept
    assert len(buckets) == 2 and buckets.get("a", 0.0).tokens == 1.0


async def test_bucket_take_waits() -> None:
    now = [0.0]
    b = TokenBucket(1000.0, 1, now=0.0)
    b.try_take(0.0)
    await b.take(clock=lambda: now.__setitem__(0, now[0] + 0.0005) or now[0])
    assert now[0] >= 0.001


@pytest.mark.redis
async def test_redis_bucket_matches_memory(redis_url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    prefix = f"hamroh-test-{uuid.uuid4().hex[:8]}"
    try:
        shared, local = RedisBuckets(redis, 2.0, 3, prefix=prefix), TokenBucket(2.0, 3, now=1000.0)
        for at in (1000.0, 1000.0, 1000.0, 1000.0, 1000.2, 1000.5, 1003.0, 1003.0):
            taken, _notify = await shared.try_take(7, now=at)
            assert taken == local.try_take(at), at
    finally:
        await redis.delete(f"{prefix}:7")
        await redis.aclose()


def test_percentile_is_statistics_quantiles() -> None:
    data = [float(x) for x in range(1, 201)]
    q = statistics.quantiles(data, n=100, method="inclusive")
    assert percentiles(data, [50, 90, 99]) == [q[49], q[89], q[98]]
    assert percentile(data, 0) == 1.0 and percentile(data, 100) == 200.0
    assert percentile([], 50) is None and percentile([4.0], 99) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5  # the usual median
