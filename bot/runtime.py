"""What a long-running process needs around the engine: content reload on SIGHUP or on file
change, and a pidfile so `hamroh content reload` can find the service."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import structlog

from bot.content.store import ContentStore

log = structlog.get_logger(__name__)

PIDFILE = Path("data/hamroh.pid")


@contextlib.asynccontextmanager
async def content_reloading(store: ContentStore, *, watch_interval_s: float,
                            pidfile: Path = PIDFILE) -> AsyncIterator[None]:
    """While the block runs: reload on SIGHUP, poll for edits, and keep a pidfile."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, store.reload)
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
        log.warning("content.sighup_unavailable")
    watcher = asyncio.create_task(store.watch(watch_interval_s)) if watch_interval_s > 0 else None
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(str(os.getpid()))
    try:
        yield
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGHUP)
        with contextlib.suppress(OSError):
            if pidfile.read_text() == str(os.getpid()):
                pidfile.unlink()
