"""`hamroh content check|stale|reload`: the editors' files (no models, no database)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys

import click
from rich.console import Console

from bot.content.checker import run_check
from bot.content.loader import load_content
from bot.content.stale import run_stale
from bot.runtime import PIDFILE
from bot.settings import Settings
from nlu.languages import LANGS


@click.group()
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
    langs = LANGS if lang is None else tuple(code for code in LANGS if code == ("tg" if lang == "tj" else lang))
    console = Console(highlight=False)
    sys.exit(run_stale(settings.content.dir, days=settings.content.max_age_days if days is None else days,
                       console=console, langs=langs, today=today.date() if today else None, strict=strict))


@content.command("reload")
@click.pass_obj
def content_reload(settings: Settings) -> None:
    """Tell the running service to reload content (SIGHUP); it keeps the last good files."""
    result = load_content(settings.content.dir, max_age_days=settings.content.max_age_days)
    for problem in result.problems:
        if problem.is_error:
            click.echo(f"refused: {problem}")
    try:
        pid = int(PIDFILE.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        click.echo("no running service found (data/hamroh.pid); the files were only checked")
        sys.exit(1 if any(p.is_error for p in result.problems) else 0)
    click.echo(f"reload signalled to process {pid}")
