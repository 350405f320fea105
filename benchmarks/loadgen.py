"""An open-loop load generator for the Telegram benchmark.

Open loop: update i is offered at `t0 + i / rate` whether or not earlier updates were
answered (a closed loop, which waits for replies, offers less than it says as soon as the
bot slows down, and hides exactly the queueing one wants to see). A generator that falls
behind its schedule (its own event loop busy) sends at once and the offered rate it really
achieved is reported next to the stated one.

Latency of an update: from the moment it is offered to the first `sendMessage` to that chat
after it. One person's updates are handled in order (event isolation), so the replies to a
chat answer its pending updates first to last; with many people each one's updates are
seconds apart, so a reply is only ever matched to the wrong update past saturation.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.stats import percentiles


@dataclass
class StepResult:
    offered_rate: float  # what was asked for, updates/s
    sent_rate: float  # what the generator achieved
    sent: int
    answered: int
    latencies: list[float] = field(default_factory=list)  # seconds
    window_s: float = 0.0  # first send to last reply

    @property
    def answered_rate(self) -> float:
        return self.answered / self.window_s if self.window_s else 0.0

    def pct_ms(self, *ps: float) -> list[float]:
        found = percentiles(self.latencies, ps)
        return [v * 1000 for v in found] if found is not None else [float("nan")] * len(ps)

    def line(self) -> str:
        p50, p90, p99 = self.pct_ms(50, 90, 99)
        lost = self.sent - self.answered
        return (f"offered {self.offered_rate:6.0f}/s (sent {self.sent_rate:6.1f}/s), answered "
                f"{self.answered_rate:6.1f}/s: p50 {p50:7.1f} ms, p90 {p90:7.1f} ms, p99 {p99:8.1f} ms "
                f"(n={len(self.latencies)}{f', {lost} unanswered' if lost else ''})")


class ReplyMatcher:
    """Matches `sendMessage` calls seen on the fake server to the updates offered."""

    def __init__(self, calls: list[Any], start: int) -> None:
        self.calls, self.seen = calls, start
        self.pending: dict[int, deque[float]] = {}
        self.latencies: list[float] = []
        self.last_reply = 0.0

    def offered(self, chat_id: int, at: float) -> None:
        self.pending.setdefault(chat_id, deque()).append(at)

    def collect(self) -> None:
        calls, end = self.calls, len(self.calls)
        for i in range(self.seen, end):
            call = calls[i]
            if call.method != "sendMessage":
                continue
            queue = self.pending.get(call.chat_id)
            if queue and call.at >= queue[0]:
                self.latencies.append(call.at - queue.popleft())
                self.last_reply = max(self.last_reply, call.at)
        self.seen = end

    @property
    def outstanding(self) -> int:
        return sum(len(q) for q in self.pending.values())


async def open_loop(api: Any, offer: Callable[[int], tuple[int, float]], rate: float, count: int, *,
                    drain_s: float = 30.0) -> StepResult:
    """Offer `count` updates at `rate` per second (`offer(i)` pushes one and returns its chat
    id and the time it became available), then wait up to `drain_s` for the replies."""
    matcher = ReplyMatcher(api.calls, len(api.calls))
    t0 = time.perf_counter()
    first = last = t0
    for i in range(count):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        chat_id, at = offer(i)
        matcher.offered(chat_id, at)
        first, last = (at, at) if i == 0 else (first, at)
        if i % 50 == 0:
            matcher.collect()
    deadline = time.perf_counter() + drain_s
    while True:
        matcher.collect()
        if not matcher.outstanding or time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.02)
    sent_rate = (count - 1) / (last - first) if count > 1 and last > first else float(count)
    window = (matcher.last_reply or last) - first
    return StepResult(rate, sent_rate, count, len(matcher.latencies), matcher.latencies, window)


def _shifted(offer: Callable[[int], tuple[int, float]], base: int, i: int) -> tuple[int, float]:
    """The i-th update of a step is the (base + i)-th of the whole sweep."""
    return offer(base + i)


def samples_for(rate: float, minimum: int = 2000, min_seconds: float = 4.0) -> int:
    """Enough updates for a p99 worth printing (>= `minimum`) and at least a few seconds."""
    return max(minimum, int(rate * min_seconds))


async def sweep(api: Any, offer: Callable[[int], tuple[int, float]], rates: Sequence[float], *,
                slo_ms: float = 100.0, print_fn: Callable[[str], None] = print,
                indent: str = "") -> list[StepResult]:
    """Offered rates in increasing order until the bot saturates (answers under 90 % of the
    offered rate, or p99 over 20 x the objective); prints each step and then the knee: the
    highest offered rate still answered in full with p99 within `slo_ms`."""
    results: list[StepResult] = []
    offset = 0
    for rate in rates:
        n = samples_for(rate)
        step = await open_loop(api, functools.partial(_shifted, offer, offset), rate, n)
        offset += n
        results.append(step)
        print_fn(f"{indent}{step.line()}")
        p99 = step.pct_ms(99)[0]
        if step.answered < 0.99 * step.sent or step.answered_rate < 0.9 * rate or p99 > 20 * slo_ms:
            break
    good = [r for r in results if r.answered >= 0.99 * r.sent and r.pct_ms(99)[0] <= slo_ms
            and r.answered_rate >= 0.95 * r.offered_rate]
    knee = max((r.offered_rate for r in good), default=None)
    print_fn(f"{indent}knee: {f'{knee:.0f} updates/s' if knee else 'below the lowest rate'} "
             f"(highest offered rate answered in full with p99 <= {slo_ms:.0f} ms)")
    return results
