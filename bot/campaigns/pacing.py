"""A campaign's share of Telegram's limits.

Campaign messages take a token from their own bucket (`per_s`, below the bot's global rate),
and then wait while the bot's global bucket (bot.telegram.delivery.Pacer, shared with answers
and operators' replies) holds fewer than `reserve` + 1 tokens: whatever the campaign sends,
a reply that comes now finds a token at once. A 429 holds the campaign for `retry_after`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from shared.ratelimit import TokenBucket

Headroom = Callable[[], float | None]  # tokens left in the global bucket (None: unlimited)


class Budget:
    def __init__(self, per_s: float, *, reserve: float = 0.0, headroom: Headroom | None = None,
                 clock: Callable[[], float] = time.monotonic, poll_s: float = 0.02) -> None:
        self.bucket = TokenBucket(per_s, 1.0, now=clock())  # no bursts: an even flow
        self.reserve, self.headroom, self.clock, self.poll_s = reserve, headroom, clock, poll_s
        self.yielded = 0  # times the campaign waited for others' messages (figures)

    async def take(self) -> None:
        await self.bucket.take(self.clock)
        while self.headroom is not None:
            left = self.headroom()
            if left is None or left >= self.reserve + 1.0:
                return
            self.yielded += 1
            await asyncio.sleep(self.poll_s)

    def hold(self, seconds: float) -> None:
        self.bucket.hold(seconds, self.clock())
