"""/healthz, /readyz and /metrics of `hamroh serve`, on their own private port
(`HAMROH_OPS__HOST` / `HAMROH_OPS__PORT`, default 127.0.0.1:8090).

- /healthz: 200 while the event loop answers (liveness: restart the process when it fails).
- /readyz: 200 when the database answers `SELECT 1`, Redis answers PING (when configured), the
  NLU backend is reachable (Rasa's HTTP API; the embedded model is in memory) and content is
  loaded; else 503. The body names each check and its state, never a password. A check that
  fails is reported, never raised: the process keeps serving and tries again at the next probe.
- /metrics: Prometheus text format (bot.ops.metrics), refreshed from the database when scraped.

`start(services, tg)` is the one call `hamroh serve` makes: it instruments the dispatcher, the
bot and the hotline (bot.ops.instrument) and returns the task serving these routes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from bot.app import Services
from bot.ops.config import OpsSettings
from bot.ops.instrument import Refresher, TelegramLike, instrument
from bot.startup import StartupError, check_database, mask_url, reason

log = structlog.get_logger(__name__)
Check = Callable[[], Awaitable[str]]


class NotReady(Exception):
    """A readiness check failed; the message is what /readyz shows."""


class Probe:
    """The readiness checks of one process."""

    def __init__(self, services: Services, tg: TelegramLike | None, settings: OpsSettings) -> None:
        self.services, self.tg, self.settings = services, tg, settings

    async def database(self) -> str:
        """A fresh connection, as at start (bot.startup): the truth about reaching the server,
        whatever the state of the pool (a pooled connection may hang on a dead peer)."""
        try:
            await check_database(self.services.settings.database.url)
        except StartupError as e:
            raise NotReady(str(e).removeprefix("cannot reach the database at ")) from None
        return "ok"

    async def redis(self) -> str:
        client = self.tg.redis if self.tg is not None else None
        if client is None:
            return "not configured"
        try:
            await client.ping()
        except Exception as e:
            raise NotReady(f"{mask_url(self.services.settings.redis.url or '')}: {reason(e)}") from None
        return "ok"

    async def nlu(self) -> str:
        nlu = self.services.settings.nlu
        if nlu.backend != "rasa":
            return "ok (embedded)"
        try:
            timeout = aiohttp.ClientTimeout(total=self.settings.check_timeout_s)
            async with aiohttp.ClientSession(timeout=timeout) as http, http.get(nlu.rasa_url.rstrip("/") + "/") as r:
                if r.status >= 500:
                    raise NotReady(f"Rasa at {nlu.rasa_url}: HTTP {r.status}")
        except NotReady as e:
            if self.settings.nlu_required:
                raise
            return f"{e} (answering through the embedded fallback)"
        except Exception as e:
            if self.settings.nlu_required:
                raise NotReady(f"Rasa at {nlu.rasa_url}: {reason(e)}") from None
            return f"Rasa at {nlu.rasa_url}: {reason(e)} (answering through the embedded fallback)"
        return "ok (rasa)"

    async def content(self) -> str:
        content = self.services.content.content
        if not content.catalogue or not content.answers:
            raise NotReady(f"no answers loaded from {self.services.settings.content.dir}")
        return f"ok ({len(content.answers)} answers)"

    async def run(self) -> tuple[bool, dict[str, str]]:
        checks: dict[str, Check] = {"database": self.database, "redis": self.redis, "nlu": self.nlu,
                                    "content": self.content}
        results = await asyncio.gather(*(self._one(check) for check in checks.values()))
        report = dict(zip(checks, (text for _, text in results), strict=True))
        return all(ok for ok, _ in results), report

    async def _one(self, check: Check) -> tuple[bool, str]:
        try:
            async with asyncio.timeout(self.settings.check_timeout_s):
                return True, await check()
        except NotReady as e:
            return False, str(e)
        except TimeoutError:
            return False, f"timed out after {self.settings.check_timeout_s:g} s"
        except Exception as e:  # a check must report, never take the endpoint down
            return False, reason(e)


def make_app(probe: Probe, refresher: Refresher) -> web.Application:
    started = time.monotonic()

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive", "uptime_s": round(time.monotonic() - started, 1)})

    async def readyz(_: web.Request) -> web.Response:
        ok, checks = await probe.run()
        if not ok:
            log.warning("ops.not_ready", **{k: v for k, v in checks.items()})
        return web.json_response({"status": "ready" if ok else "not ready", "checks": checks},
                                 status=200 if ok else 503)

    async def metrics(_: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(probe.settings.check_timeout_s):
                await refresher.refresh()
        except Exception as e:  # the counters kept in memory are still worth scraping
            log.warning("ops.metrics_refresh_failed", error=reason(e))
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


async def serve(app: web.Application, host: str, port: int) -> None:
    """Serve until cancelled. A port already taken is logged: the bot keeps working."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as e:
        await runner.cleanup()
        log.error("ops.not_started", host=host, port=port, error=str(e))
        return
    log.info("ops.started", url=f"http://{host}:{port}/", endpoints="/healthz /readyz /metrics")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def _nothing() -> None:
    return None


def start(services: Services, tg: TelegramLike) -> asyncio.Task[None]:
    """Instrument the running parts and serve the endpoints; cancel the task to stop."""
    settings = services.settings.ops
    key = settings.person_key.get_secret_value().encode() if settings.person_key is not None else None
    instrument(services, tg, person_key=key)
    if not settings.enabled:
        return asyncio.create_task(_nothing(), name="ops")
    app = make_app(Probe(services, tg, settings), Refresher(services, tg))
    return asyncio.create_task(serve(app, settings.host, settings.port), name="ops")

