"""Running a long-lived service: on uvloop where it is installed (Linux, macOS), else on
asyncio's own loop.

The message path spends much of its time in the event loop itself (socket writes to the
database and to the Bot API, task switches): uvloop does the same work in libuv, in C.
Short commands (`hamroh content check`, migrations) keep asyncio's loop: they gain nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None (asyncio's default) where uvloop is not installed."""
    try:
        import uvloop  # optional: not built for Windows
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_service(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` for a service, on the fastest loop available."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
