"""What a long-running process needs around the engine: content reload on SIGHUP or on file
change, and a pidfile so `hamroh content reload` can find the service.

A reload never runs on the event loop: an async `reload` (e.g. `Services.reload_editable_files_async`)
is awaited, a plain function runs in a worker thread; one reload at a time, and a SIGHUP during
a reload is folded into one more reload after it."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import structlog

from bot.content.store import ContentStore
from shared.eventloop import settle_heap

log = structlog.get_logger(__name__)

PIDFILE = Path("data/hamroh.pid")


Reload = Callable[[], object] | Callable[[], Awaitable[object]]


class _Reloader:
    """Runs reloads off the event loop, one at a time."""

    def __init__(self, reload: Reload) -> None:
        self.reload = reload
        self.lock = asyncio.Lock()
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        async with self.lock:
            try:
                if inspect.iscoroutinefunction(self.reload):
                    await self.reload()
                else:
                    result = await asyncio.to_thread(self.reload)
                    if inspect.isawaitable(result):
                        await result
            except Exception:  # the service must outlive any one bad reload; the error is logged
                log.exception("content.reload_failed")
            else:
                settle_heap(collect=False)  # the new model and content, as at start-up (shared.eventloop)

    def trigger(self) -> None:
        """From a signal handler: start a reload and keep a reference to it."""
        if sum(not t.done() for t in self.tasks) >= 2:
            return  # one reload running and one queued: the queued one reads every later edit
        task = asyncio.get_running_loop().create_task(self.run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task


@contextlib.asynccontextmanager
async def content_reloading(store: ContentStore, *, watch_interval_s: float, pidfile: Path = PIDFILE,
                            reload: Reload | None = None) -> AsyncIterator[None]:
    """While the block runs: reload on SIGHUP, poll for edits, and keep a pidfile.

    `reload` reloads everything editors maintain (default: the content store only); it runs
    off the event loop (see the module's docstring)."""
    reloader = _Reloader(reload or store.reload_async)
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, reloader.trigger)
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
        log.warning("content.sighup_unavailable")
    watcher = asyncio.create_task(_watch(store, watch_interval_s, reloader)) if watch_interval_s > 0 else None
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
        await reloader.close()
        with contextlib.suppress(OSError):
            if pidfile.read_text() == str(os.getpid()):
                pidfile.unlink()


async def _watch(store: ContentStore, interval_s: float, reloader: _Reloader) -> None:
    """Poll for edits (a stat per file, in a thread) and reload when something changed."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            changed = await asyncio.to_thread(store.changed)
        except Exception:  # the watcher must outlive any one bad look at the folder
            log.exception("content.watch_failed")
            continue
        if changed:
            await reloader.run()
