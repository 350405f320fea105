"""Per-person flood control: a token bucket per Telegram user, in memory or in Redis.

A person may paste several messages at once (a burst passes); one who keeps sending faster
than `per_minute` gets one polite notice and the rest is dropped until the bucket refills.
With Redis the bucket is shared by every process serving the bot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

# KEYS[1] = bucket; ARGV = capacity, rate per second, now, ttl. Returns {allowed, notify}.
_LUA = """
local b = redis.call('HMGET', KEYS[1], 'tokens', 'stamp', 'notified')
local capacity, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(b[1]) or capacity
local stamp = tonumber(b[2]) or now
local notified = tonumber(b[3]) or 0
tokens = math.min(capacity, tokens + (now - stamp) * rate)
local allowed, notify = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
  notified = 0
elseif notified == 0 then
  notify = 1
  notified = 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'stamp', now, 'notified', notified)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {allowed, notify}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    notify: bool  # the first refusal in a row: tell the person once


class FloodLimiter(Protocol):
    async def hit(self, user_id: int) -> Verdict: ...


class MemoryFloodLimiter:
    def __init__(self, *, burst: int, per_minute: float) -> None:
        self.capacity, self.rate = float(burst), per_minute / 60.0
        self._state: dict[int, tuple[float, float, bool]] = {}

    async def hit(self, user_id: int) -> Verdict:
        now = time.monotonic()
        tokens, stamp, notified = self._state.get(user_id, (self.capacity, now, False))
        tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
        if tokens >= 1.0:
            self._state[user_id] = (tokens - 1.0, now, False)
            return Verdict(True, False)
        self._state[user_id] = (tokens, now, True)
        if len(self._state) > 100_000:  # idle people have full buckets: forgetting them is exact
            self._state = {k: v for k, v in self._state.items() if v[0] < self.capacity}
        return Verdict(False, not notified)


class RedisFloodLimiter:
    def __init__(self, redis: Any, *, burst: int, per_minute: float, prefix: str = "hamroh:flood") -> None:
        self.redis, self.prefix = redis, prefix
        self.capacity, self.rate = float(burst), per_minute / 60.0
        self.ttl = int(self.capacity / self.rate) + 60
        self._script = redis.register_script(_LUA)

    async def hit(self, user_id: int) -> Verdict:
        allowed, notify = await self._script(keys=[f"{self.prefix}:{user_id}"],
                                             args=[self.capacity, self.rate, time.time(), self.ttl])
        return Verdict(bool(int(allowed)), bool(int(notify)))
