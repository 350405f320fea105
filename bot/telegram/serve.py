"""`hamroh serve`: the Telegram bot, the operator console, the SLA watcher and reply delivery
in one event loop. Polling by default; webhook mode behind a public HTTPS URL."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import signal
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from bot.app import Services
from bot.composition import (
    build_services,
    build_telegram,
    campaign_scheduler,
    hotline_runtime,
    redis_client,
    reminder_worker,
)
from bot.engine.understand import Understander
from bot.ops import health as ops_health
from bot.runtime import content_reloading
from bot.settings import Settings
from bot.telegram import files, privacy
from bot.telegram.commands import set_commands
from bot.telegram.factory import TelegramApp
from bot.telegram.forum import ForumRelay
from bot.telegram.polling import polling_mode
from bot.telegram.update_store import UpdatesPurged, UpdateStore
from bot.telegram.updates import every
from bot.telegram.webhook import RedisDedupe, StoringRequestHandler
from shared.eventloop import settle_heap

log = structlog.get_logger(__name__)


def webhook_secret(settings: Settings) -> str:
    """The configured secret, or one derived from the token: every process behind the same
    bot then checks the same value without extra configuration."""
    tg = settings.telegram
    if tg.webhook_secret is not None:
        return tg.webhook_secret.get_secret_value()
    assert tg.token is not None
    return hashlib.sha256(b"hamroh-webhook:" + tg.token.get_secret_value().encode()).hexdigest()[:48]


async def _site(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


@contextlib.asynccontextmanager
async def webhook_mode(tg: TelegramApp, services: Services, *, lease_s: float = 60.0,
                       replay_every_s: float = 15.0) -> AsyncIterator[StoringRequestHandler]:
    """Listen for Telegram's POSTs; replay what is due every `replay_every_s` (tests shrink
    the lease and the interval together to run Telegram's minutes in seconds)."""
    s = services.settings.telegram
    if not s.webhook_url:
        raise ValueError("webhook mode needs HAMROH_TELEGRAM__WEBHOOK_URL (the public HTTPS URL)")
    secret = webhook_secret(services.settings)
    store = UpdateStore(services.sessions, lease_s=lease_s)
    handler = StoringRequestHandler(tg.dp, tg.bot, store=store, secret_token=secret,
                                    dedupe=RedisDedupe(tg.redis, prefix=f"{services.settings.redis.key_prefix}:update")
                                    if tg.redis is not None else None)
    app = web.Application(client_max_size=2 * 1024 * 1024)
    handler.register(app, path=s.webhook_path)
    runner = await _site(app, s.webhook_host, s.webhook_port)
    await tg.bot.set_webhook(s.webhook_url, secret_token=secret, drop_pending_updates=False,
                             allowed_updates=tg.dp.resolve_used_update_types())
    log.info("telegram.webhook", listen=f"{s.webhook_host}:{s.webhook_port}{s.webhook_path}", url=s.webhook_url)
    replay = asyncio.create_task(every(replay_every_s, lambda: handler.replay(tg.bot), "webhook-replay"))
    try:
        yield handler
    finally:
        replay.cancel()
        await runner.cleanup()  # no new updates, then finish those in flight
        await handler.close()


async def purge_updates(services: Services) -> UpdatesPurged:
    """Stored updates: handled ones go after a day, dead letters lose the person's message
    after a week, and nothing is kept past `retention_days`."""
    purged = await UpdateStore(services.sessions).purge(retention_days=services.settings.retention_days)
    if purged.deleted or purged.cleared or purged.expired:
        log.info("retention.updates", deleted=purged.deleted, cleared=purged.cleared, expired=purged.expired)
    return purged


async def purge_expired(services: Services, forum: ForumRelay | None = None) -> privacy.Retention:
    """The retention job: conversation events, and closed hotline cases with their files and
    forum topics, older than `retention_days` (what /start promises); and stored updates."""
    days = services.settings.retention_days
    now = services.hotline.clock() if services.hotline is not None else None
    await purge_updates(services)
    async with services.sessions.begin() as session:
        done = await privacy.purge_expired(session, days=days, now=now)
    if forum is not None and done.topics:
        await forum.forgotten(None, done.topics)  # the topics copied the person's messages
    if done.anything:
        log.info("retention.purged", events=done.events, cases=done.cases, messages=done.messages,
                 files=done.files, topics=len(done.topics), days=days)
    return done


async def run(settings: Settings, *, understander: Understander | None = None,
              stop: asyncio.Event | None = None) -> None:
    """Serve until SIGINT/SIGTERM (or `stop` is set)."""
    services = await build_services(settings, understander=understander)
    redis = redis_client(settings)
    tg = build_telegram(services, redis=redis)
    # The console links what people sent to the files, which it fetches through the bot.
    runtime = hotline_runtime(services, extend=lambda app: files.mount(app, tg.bot))
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    # The retention job also deletes handled update ids (kept a day): every 6 hours is enough.
    tasks = [asyncio.create_task(every(6 * 3600.0, lambda: purge_expired(services, tg.forum), "retention"))]
    tasks.append(ops_health.start(services, tg))  # metrics hooks; /healthz /readyz /metrics (bot.ops)
    if (reminders := reminder_worker(services, tg.bot)) is not None:  # deadline reminders (bot.reminders)
        tasks.append(asyncio.create_task(reminders.run(), name="reminders"))
    campaigns = campaign_scheduler(services, tg)  # awareness campaigns at their time (bot.campaigns)
    tasks.append(asyncio.create_task(campaigns.run(), name="campaigns"))
    try:
        if runtime is not None:
            await runtime.start()
        me = await tg.bot.get_me()
        await set_commands(tg.bot, tg.i18n, settings.default_lang)
        settle_heap()  # start-up's objects out of every later full collection (shared.eventloop)
        log.info("telegram.started", bot=me.username, mode=settings.telegram.mode,
                 redis=redis is not None, forum=tg.forum is not None)
        async with content_reloading(services.content, watch_interval_s=settings.content.watch_interval_s,
                                     reload=services.reload_editable_files_async):
            if settings.telegram.mode == "webhook":
                async with webhook_mode(tg, services):
                    await stop.wait()
            else:
                async with polling_mode(tg, services):
                    await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
        for task in tasks:
            task.cancel()
        if runtime is not None:
            await runtime.stop()
        if services.hotline is not None:
            with contextlib.suppress(TimeoutError):  # forum lines still on their way
                await asyncio.wait_for(services.hotline.events.drain(), 5.0)
        await campaigns.close()
        await tg.bot.session.close()
        if redis is not None:
            await redis.aclose()
        await services.close()
