"""The one token bucket: `rate` tokens a second up to `capacity`.

Used by per-person flood control (bot.telegram.flood: refuse when empty, in memory or, shared
by several processes, in Redis with the same arithmetic in Lua) and by outgoing pacing
(bot.telegram.delivery: wait for a token). The arithmetic lives in `TokenBucket` only; the
Redis script below repeats it line for line and a test checks that both agree.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


class TokenBucket:
    """Full at first. `try_take` takes a token if there is one; `take` waits for one;
    `hold` empties the bucket's future until a moment (Telegram's `retry_after`)."""

    __slots__ = ("capacity", "hold_until", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, *, now: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("a token bucket needs a rate above 0")
        self.rate, self.capacity = float(rate), max(1.0, float(capacity))
        self.tokens = self.capacity
        self.stamp = time.monotonic() if now is None else now
        self.hold_until = 0.0

    def refill(self, now: float) -> float:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        return self.tokens

    def try_take(self, now: float) -> bool:
        if now < self.hold_until or self.refill(now) < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def delay(self, now: float) -> float:
        """Seconds until a token can be taken (0: now)."""
        wait = max(0.0, self.hold_until - now)
        if self.refill(now) < 1.0:
            wait = max(wait, (1.0 - self.tokens) / self.rate)
        return wait

    async def take(self, clock: Callable[[], float] = time.monotonic) -> None:
        while True:
            now = clock()
            if self.try_take(now):
                return
            await asyncio.sleep(self.delay(now))

    def hold(self, seconds: float, now: float | None = None) -> None:
        self.hold_until = max(self.hold_until, (time.monotonic() if now is None else now) + seconds)

    @property
    def full(self) -> bool:
        return self.tokens >= self.capacity and self.hold_until <= self.stamp


class Buckets:
    """Buckets by key (a person, a chat), created full; idle full buckets are forgotten when
    there are more than `max_keys` (a fresh bucket is full too, so forgetting them is exact)."""

    def __init__(self, rate: float, capacity: float, *, max_keys: int = 100_000) -> None:
        self.rate, self.capacity, self.max_keys = rate, capacity, max_keys
        self._by_key: dict[Any, TokenBucket] = {}

    def get(self, key: Any, now: float) -> TokenBucket:
        bucket = self._by_key.get(key)
        if bucket is None:
            if len(self._by_key) >= self.max_keys:
                self._forget_idle(now)
            bucket = self._by_key[key] = TokenBucket(self.rate, self.capacity, now=now)
        return bucket

    def _forget_idle(self, now: float) -> None:
        for bucket in self._by_key.values():
            bucket.refill(now)
        self._by_key = {k: b for k, b in self._by_key.items() if not b.full}
        if len(self._by_key) >= self.max_keys:  # all busy: forget the oldest half
            keep = sorted(self._by_key.items(), key=lambda kv: kv[1].stamp)[len(self._by_key) // 2:]
            self._by_key = dict(keep)

    def __len__(self) -> int:
        return len(self._by_key)


# The same refill-and-take in Redis, atomically, for buckets shared by several processes.
# KEYS[1] = bucket; ARGV = capacity, rate per second, now, ttl. Returns {taken, notify}:
# `notify` is 1 on the first refusal after a success (tell the person once).
REDIS_TAKE = """
local b = redis.call('HMGET', KEYS[1], 'tokens', 'stamp', 'notified')
local capacity, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(b[1]) or capacity
local stamp = tonumber(b[2]) or now
local notified = tonumber(b[3]) or 0
if now > stamp then
  tokens = math.min(capacity, tokens + (now - stamp) * rate)
  stamp = now
end
local taken, notify = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
  notified = 0
elseif notified == 0 then
  notify = 1
  notified = 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'stamp', stamp, 'notified', notified)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {taken, notify}
"""


class RedisBuckets:
    """`Buckets` kept in Redis: every process sees the same bucket for a key."""

    def __init__(self, redis: Any, rate: float, capacity: float, *, prefix: str) -> None:
        self.redis, self.rate, self.capacity, self.prefix = redis, float(rate), float(capacity), prefix
        self.ttl = int(self.capacity / self.rate) + 60
        self._script = redis.register_script(REDIS_TAKE)

    async def try_take(self, key: Any, now: float | None = None) -> tuple[bool, bool]:
        """(taken, first refusal in a row)."""
        taken, notify = await self._script(keys=[f"{self.prefix}:{key}"],
                                           args=[self.capacity, self.rate, time.time() if now is None else now,
                                                 self.ttl])
        return bool(int(taken)), bool(int(notify))
