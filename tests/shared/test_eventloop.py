"""The service's event loop: uvloop where it is installed, and the coroutine's result back."""

from __future__ import annotations

import asyncio
import gc
import sys

import pytest

from shared.eventloop import loop_factory, run_service, settle_heap


async def _loop_module() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_the_service_runs_on_uvloop_where_it_is_installed() -> None:
    pytest.importorskip("uvloop", reason="uvloop is not built for this platform")
    assert run_service(_loop_module()).startswith("uvloop")


def test_without_uvloop_asyncio_runs_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` now raises ImportError
    assert loop_factory() is None
    assert run_service(_loop_module()).startswith("asyncio")


def test_settling_the_heap_takes_start_ups_objects_out_of_collections() -> None:
    thresholds = gc.get_threshold()
    try:
        start_up = [{"vocabulary": i} for i in range(10_000)]
        settle_heap()
        assert gc.get_freeze_count() >= len(start_up)
        later = [{"x": 1}]
        assert gc.get_freeze_count() >= len(start_up)  # what comes after is collected as usual
        assert any(o is later for o in gc.get_objects()) and all(o is not start_up for o in gc.get_objects())
        assert gc.get_threshold()[0] == 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
