"""The campaign's budget: its own rate, and it leaves the bot's last tokens to replies."""

from __future__ import annotations

from bot.campaigns.pacing import Budget


async def test_it_waits_while_the_global_bucket_is_at_the_reserve() -> None:
    left = [2.0, 3.0, 5.9, 6.0]  # the global bucket's tokens, as answers take and it refills
    budget = Budget(1000.0, reserve=5.0, headroom=lambda: left.pop(0), poll_s=0)
    await budget.take()
    assert budget.yielded == 3 and left == []


async def test_without_a_global_limit_it_only_paces_itself() -> None:
    budget = Budget(1000.0, reserve=5.0, headroom=lambda: None, poll_s=0)
    await budget.take()
    assert budget.yielded == 0


async def test_its_own_rate_and_a_hold() -> None:
    now = [100.0]
    budget = Budget(2.0, clock=lambda: now[0])
    assert budget.bucket.try_take(now[0]) and not budget.bucket.try_take(now[0])  # no burst
    now[0] += 0.5
    assert budget.bucket.try_take(now[0])  # 2 a second
    budget.hold(10.0)
    now[0] += 5.0
    assert budget.bucket.delay(now[0]) == 5.0  # a 429 holds it for retry_after
