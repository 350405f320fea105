"""The one background loop of the services (reply delivery, reminders, campaigns): run a
round now, then again after `interval_s` or as soon as someone calls `wake`; a failed round
is logged and the next may succeed (a database hiccup must not stop the loop for good)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class Waker:
    """A loop that sleeps between rounds, woken early by `wake()` (new work has arrived)."""

    def __init__(self) -> None:
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def loop(self, job: Callable[[], Awaitable[Any]], *, interval_s: float, name: str) -> None:
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("loop.round_failed", loop=name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval_s)
            self._wake.clear()
