"""Per-person flood control: a token bucket per Telegram user (shared.ratelimit), in memory
or in Redis.

A person may paste several messages at once (a burst passes); one who keeps sending faster
than `per_minute` gets one polite notice and the rest is dropped until the bucket refills.
With Redis the bucket is shared by every process serving the bot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from shared.ratelimit import Buckets, RedisBuckets


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    notify: bool  # the first refusal in a row: tell the person once


class FloodLimiter(Protocol):
    async def hit(self, user_id: int) -> Verdict: ...


class MemoryFloodLimiter:
    def __init__(self, *, burst: int, per_minute: float, max_keys: int = 100_000) -> None:
        self.buckets = Buckets(per_minute / 60.0, float(burst), max_keys=max_keys)
        self._notified: set[int] = set()

    def hit_now(self, user_id: int, now: float | None = None) -> Verdict:
        """`hit` without awaiting (the middleware calls this one for the in-memory limiter)."""
        now = time.monotonic() if now is None else now
        if self.buckets.get(user_id, now).try_take(now):
            self._notified.discard(user_id)
            return Verdict(True, False)
        if user_id in self._notified:
            return Verdict(False, False)
        if len(self._notified) > self.buckets.max_keys:
            self._notified.clear()
        self._notified.add(user_id)
        return Verdict(False, True)

    async def hit(self, user_id: int) -> Verdict:
        return self.hit_now(user_id)


class RedisFloodLimiter:
    def __init__(self, redis: Any, *, burst: int, per_minute: float, prefix: str = "hamroh:flood") -> None:
        self.buckets = RedisBuckets(redis, per_minute / 60.0, float(burst), prefix=prefix)

    async def hit(self, user_id: int) -> Verdict:
        taken, notify = await self.buckets.try_take(user_id)
        return Verdict(taken, notify)
