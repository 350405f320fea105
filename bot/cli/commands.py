"""`hamroh chat|ask|console|serve|operators`: the entry points that run the system. Each
builds what it needs through `bot.composition` and runs it until it is stopped."""

from __future__ import annotations

import asyncio
import contextlib
import sys

import click

from bot.cli.ask import answer_lines
from bot.cli.chat import run_chat
from bot.composition import (
    build_hotline,
    build_services,
    build_understander_async,
    hotline_runtime,
    open_database,
)
from bot.content.store import ContentStore
from bot.i18n import Catalogs
from bot.runtime import content_reloading
from bot.settings import Settings
from bot.startup import preflight
from bot.storage.db import make_sessionmaker
from bot.telegram.serve import run as serve_telegram
from hotline_router.cli import make_operators_group
from hotline_router.runtime import HotlineRuntime
from shared.eventloop import run_service

operators = make_operators_group(open_database)


@click.command()
@click.option("--lang", type=click.Choice(["tg", "ru", "uz"]), default=None, help="Language to talk in.")
@click.pass_obj
def chat(settings: Settings, lang: str | None) -> None:
    """Talk to the bot in the terminal (buttons are numbered)."""

    async def main() -> None:
        await preflight(settings, redis=False, token=False)
        services = await build_services(settings)
        # The console, the SLA watcher and reply delivery run in this loop, so a case raised
        # in the chat can be answered from the browser.
        runtime = hotline_runtime(services)
        try:
            if runtime is not None:
                await runtime.start()
            async with content_reloading(services.content, watch_interval_s=settings.content.watch_interval_s,
                                         reload=services.reload_editable_files_async):
                await run_chat(services, lang=lang, console_url=runtime.url if runtime else None)
        finally:
            if runtime is not None:
                await runtime.stop()
            await services.close()

    asyncio.run(main())


@click.command()
@click.pass_obj
def ask(settings: Settings) -> None:
    """Answer JSON Lines from stdin, one JSON object per line on stdout."""

    async def main() -> None:
        content = ContentStore(settings.content.dir, max_age_days=settings.content.max_age_days)
        await content.reload_async()
        understander = await build_understander_async(settings)
        async for line in answer_lines(sys.stdin.buffer, understander, content.content):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    asyncio.run(main())


@click.command("console")
@click.pass_obj
def console_cmd(settings: Settings) -> None:
    """Serve the operator console alone (with the SLA watcher and reply delivery)."""

    async def main() -> None:
        await preflight(settings, redis=False, token=False)
        db = await open_database(settings)
        try:
            hotline = await build_hotline(settings, make_sessionmaker(db), await asyncio.to_thread(Catalogs.load))
            runtime = HotlineRuntime(hotline, settings.console)
            await runtime.start()
            if runtime.url is None:
                raise click.ClickException(f"the console could not listen on {settings.console.host}:"
                                           f"{settings.console.port}")
            click.echo(f"operator console: {runtime.url} (Ctrl-C to stop)")
            try:
                await asyncio.Event().wait()
            finally:
                await runtime.stop()
        finally:
            await db.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        run_service(main())


@click.command()
@click.pass_obj
def serve(settings: Settings) -> None:
    """Run the Telegram bot with the operator console and the SLA watcher (docs/telegram.md)."""
    if settings.telegram.token is None:
        raise click.ClickException("set HAMROH_TELEGRAM__TOKEN (from @BotFather), or use `hamroh chat`")
    asyncio.run(preflight(settings))  # token format, database, Redis: one clear line each
    with contextlib.suppress(KeyboardInterrupt):
        run_service(serve_telegram(settings))
