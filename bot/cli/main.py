"""The `hamroh` command."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import sys

import click
from rich.console import Console

from bot.settings import Settings, load_settings
from bot.startup import StartupError, preflight


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Hamroh: a helpdesk bot for labour migrants from Tajikistan and Uzbekistan."""
    ctx.obj = load_settings()
    from bot.logs import configure_logging

    configure_logging(ctx.obj)


@cli.command()
@click.option("--lang", type=click.Choice(["tg", "ru", "uz"]), default=None, help="Language to talk in.")
@click.pass_obj
def chat(settings: Settings, lang: str | None) -> None:
    """Talk to the bot in the terminal (buttons are numbered)."""
    from bot.app import build_services
    from bot.cli.chat import run_chat

    async def main() -> None:
        from bot.runtime import content_reloading
        from hotline_router.runtime import HotlineRuntime

        await preflight(settings, redis=False, token=False)
        services = await build_services(settings)
        # The console, the SLA watcher and reply delivery run in this loop, so a case raised
        # in the chat can be answered from the browser.
        runtime = HotlineRuntime(services.hotline, settings.console) if services.hotline else None
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


@cli.command()
@click.pass_obj
def ask(settings: Settings) -> None:
    """Answer JSON Lines from stdin, one JSON object per line on stdout."""
    from bot.app import build_understander
    from bot.cli.ask import answer_lines
    from bot.content.store import ContentStore

    async def main() -> None:
        content = ContentStore(settings.content.dir, max_age_days=settings.content.max_age_days)
        content.reload()
        understander = build_understander(settings)
        async for line in answer_lines(sys.stdin.buffer, understander, content.content):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    asyncio.run(main())


@cli.group()
def content() -> None:
    """Check and reload the editors' content files."""


_TODAY = click.DateTime(formats=["%Y-%m-%d"])
_LANG_CHOICE = click.Choice(["ru", "tg", "uz", "tj"])  # tj: the Tajik folder's name, accepted too


@content.command("check")
@click.option("--no-nlu", is_flag=True, help="Skip the NLU training-data and risk-rule checks.")
@click.option("--today", type=_TODAY, default=None, help="Check as if today were this date (YYYY-MM-DD).")
@click.pass_obj
def content_check(settings: Settings, no_nlu: bool, today: dt.datetime | None) -> None:
    """Report every problem as file:line: message; exit 1 on errors."""
    from bot.content.checker import run_check

    console = Console(highlight=False)
    sys.exit(run_check(settings.content.dir, max_age_days=settings.content.max_age_days, console=console,
                       include_nlu=not no_nlu, today=today.date() if today else None))


@content.command("stale")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="List files verified more than this many days ago (default: the content max age, 180).")
@click.option("--lang", type=_LANG_CHOICE, default=None, help="Only this language (default: all three).")
@click.option("--strict", is_flag=True, help="Exit 1 when a file is past its valid_until date.")
@click.option("--today", type=_TODAY, default=None, help="Report as if today were this date (YYYY-MM-DD).")
@click.pass_obj
def content_stale(settings: Settings, days: int | None, lang: str | None, strict: bool,
                  today: dt.datetime | None) -> None:
    """Per language, what a person should re-check and why (a report: exit 0 unless --strict)."""
    from bot.content.stale import run_stale
    from nlu.languages import LANGS

    langs = LANGS if lang is None else tuple(code for code in LANGS if code == ("tg" if lang == "tj" else lang))
    console = Console(highlight=False)
    sys.exit(run_stale(settings.content.dir, days=settings.content.max_age_days if days is None else days,
                       console=console, langs=langs, today=today.date() if today else None, strict=strict))


@content.command("reload")
@click.pass_obj
def content_reload(settings: Settings) -> None:
    """Tell the running service to reload content (SIGHUP); it keeps the last good files."""
    from bot.content.loader import load_content

    result = load_content(settings.content.dir, max_age_days=settings.content.max_age_days)
    for problem in result.problems:
        if problem.is_error:
            click.echo(f"refused: {problem}")
    from bot.runtime import PIDFILE

    try:
        pid = int(PIDFILE.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        click.echo("no running service found (data/hamroh.pid); the files were only checked")
        sys.exit(1 if any(p.is_error for p in result.problems) else 0)
    click.echo(f"reload signalled to process {pid}")


@cli.command("console")
@click.pass_obj
def console_cmd(settings: Settings) -> None:
    """Serve the operator console alone (with the SLA watcher and reply delivery)."""
    from bot.app import build_hotline, open_database
    from bot.i18n import Catalogs
    from bot.storage.db import make_sessionmaker
    from hotline_router.runtime import HotlineRuntime

    async def main() -> None:
        await preflight(settings, redis=False, token=False)
        db = await open_database(settings)
        try:
            hotline = build_hotline(settings, make_sessionmaker(db), Catalogs.load())
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
        asyncio.run(main())


@cli.command()
@click.pass_obj
def serve(settings: Settings) -> None:
    """Run the Telegram bot with the operator console and the SLA watcher (docs/telegram.md)."""
    if settings.telegram.token is None:
        raise click.ClickException("set HAMROH_TELEGRAM__TOKEN (from @BotFather), or use `hamroh chat`")
    from bot.telegram.serve import run

    asyncio.run(preflight(settings))  # token format, database, Redis: one clear line each
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))


def _register_optional_groups() -> None:
    """Feature packages bring their own command groups."""
    from bot.app import open_database
    from bot.telegram.cli import telegram_group
    from bot.telegram.updates_cli import updates_group
    from hotline_router.cli import make_operators_group
    from nlu.cli import nlu_group

    cli.add_command(nlu_group, "nlu")
    cli.add_command(make_operators_group(open_database), "operators")
    cli.add_command(telegram_group, "telegram")
    cli.add_command(updates_group, "updates")


def main() -> None:
    _register_optional_groups()
    try:
        cli()
    except StartupError as e:  # a configured service is unusable: one line, not a traceback
        print(f"hamroh: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
