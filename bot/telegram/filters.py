"""Filters that run on the event loop.

aiogram runs a filter that is not a coroutine (a magic filter such as `F.text`, a lambda) in
a worker thread: `CallableObject.call` awaits `asyncio.to_thread` for it
(aiogram/dispatcher/event/handler.py). Each update passes several filters, so that is several
thread hops per message, for checks that take microseconds. `instant(...)` wraps such a
check in an aiogram `Filter`, which is awaited in place; every filter of the routers is one
(tests/bot/telegram/test_filters.py walks the routers and says which one is not).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.filters import Filter
from magic_filter import MagicFilter


class Instant(Filter):
    """A quick synchronous check, awaited on the event loop (not in a worker thread)."""

    def __init__(self, check: MagicFilter | Callable[[Any], object]) -> None:
        self.name = repr(check)
        self._check: Callable[[Any], object] = check.resolve if isinstance(check, MagicFilter) else check

    async def __call__(self, event: Any) -> bool | dict[str, Any]:
        result = self._check(event)
        return result if isinstance(result, dict) else bool(result)  # a dict: `F.….as_(name)`

    def __str__(self) -> str:
        return f"instant({self.name})"


def instant(check: MagicFilter | Callable[[Any], object]) -> Instant:
    return Instant(check)
