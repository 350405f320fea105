"""Run the console, the SLA watcher and the delivery worker in the caller's event loop.

`hamroh chat`, `hamroh console` and the Telegram service start the parts they need; all of
them share one `Hotline` and so one database. This is the one place the console is served:
the Telegram service adds its file links through `extend`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

import structlog
from aiohttp import web

from hotline_router.console.app import make_app
from hotline_router.service import Hotline

log = structlog.get_logger(__name__)


class ConsoleBind(Protocol):
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def cookie_secure(self) -> bool: ...
    @property
    def session_ttl_s(self) -> int: ...


class HotlineRuntime:
    def __init__(self, hotline: Hotline, console: ConsoleBind, *,
                 extend: Callable[[web.Application], None] | None = None) -> None:
        """`extend` adds routes to the console before it starts (e.g. the Telegram files)."""
        self.hotline, self.console, self.extend = hotline, console, extend
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.url: str | None = None

    async def start(self, *, console: bool = True, watcher: bool = True, delivery: bool = True) -> None:
        if console:
            await self._start_console()
        if watcher:
            self._tasks.append(asyncio.create_task(self.hotline.watcher.run(), name="hotline-sla"))
        if delivery:
            self._tasks.append(asyncio.create_task(self.hotline.delivery.run(), name="hotline-delivery"))

    async def _start_console(self) -> None:
        app = make_app(self.hotline, self.console)
        if self.extend is not None:
            self.extend(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.console.host, self.console.port)
        try:
            await site.start()
        except OSError as exc:
            # e.g. the port is taken by another copy: the bot still works, say so plainly.
            await runner.cleanup()
            log.error("console.not_started", host=self.console.host, port=self.console.port,
                      error=str(exc))
            return
        self._runner = runner
        self.url = f"http://{self.console.host}:{self.console.port}/console/"
        log.info("console.started", url=self.url)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def serve_forever(self) -> None:
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()
