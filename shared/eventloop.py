"""Running a long-lived service: on uvloop where it is installed (Linux, macOS), else on
asyncio's own loop.

The message path spends much of its time in the event loop itself (socket writes to the
database and to the Bot API, task switches): uvloop does the same work in libuv, in C.
Short commands (`hamroh content check`, migrations) keep asyncio's loop: they gain nothing.
"""

from __future__ import annotations

import asyncio
import gc
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


def settle_heap(*, collect: bool = True) -> None:
    """Collect once, then move every object alive into the collector's permanent generation
    (`gc.freeze`).

    What start-up builds (the NLU models' vocabularies, the content, templates: about 400,000
    tracked objects) is never garbage, yet every full collection walked all of it: about
    190 ms with the event loop stopped, which is what the slowest answers waited on. Call it
    when start-up is done (it also sets the thresholds below); after a reload, `collect=False`
    freezes the new objects without a pause. Frozen objects are still freed when their count
    of references drops to zero; only a reference cycle among them would stay.
    """
    if collect:
        gc.collect()
    gc.freeze()
    # A young-generation collection every 10,000 allocations, not 700: answering one message
    # allocates thousands of short-lived objects (pydantic, SQLAlchemy), nearly all freed by
    # reference counting; collecting them ten times as often cost about 7% of the CPU time.
    gc.set_threshold(10_000, 10, 10)
