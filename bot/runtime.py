"""What a long-running process needs around the engine: content reload on SIGHUP or on file
change, and a pidfile so `hamroh content reload` can find the service."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import structlog

from bot.content.store import ContentStore

log = structlog.get_logger(__name__)

PIDFILE = Path("data/hamroh.pid")


@contextlib.asynccontextmanager
async def content_reloading(store: ContentStore, *, watch_interval_s: float, pidfile: Path = PIDFILE,
                            reload: Callable[[], object] | None = None) -> AsyncIterator[None]:
    """While the block runs: reload on SIGHUP, poll for edits, and keep a pidfile.

    `reload` reloads everything editors maintain (default: the content store only)."""
    do_reload: Callable[[], object] = reload or store.reload
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, do_reload)
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
        log.warning("content.sighup_unavailable")
    watcher = asyncio.create_task(_watch(store, watch_interval_s, do_reload)) if watch_interval_s > 0 else None
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


async def _watch(store: ContentStore, interval_s: float, reload: Callable[[], object]) -> None:
    """Poll for edits (a stat per file) and reload when something under content/ changed."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            if store.changed():
                reload()
        except Exception:  # the watcher must outlive any one bad reload; the error is logged
            log.exception("content.reload_failed")
