"""`hamroh campaign list | preview ID --lang ru | send ID [--dry-run]`: awareness campaigns.

`send` queues the campaign for its audience now; `hamroh serve` sends what is queued (and
queues scheduled campaigns at their time), paced under Telegram's limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.campaigns.service import Campaigns
from bot.composition import build_campaigns, database_sessions
from bot.content import html as tg_html
from bot.content.store import ContentStore
from bot.settings import Settings

STYLES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
          "s": "strike", "strike": "strike", "del": "strike", "code": "reverse", "pre": "reverse",
          "a": "underline blue", "tg-spoiler": "reverse", "blockquote": "italic"}


def telegram_text(text: str) -> Text:
    """Telegram HTML as the terminal can show it: styles for tags, links with their address."""
    out = Text()
    for i, span in enumerate(spans := tg_html.spans(text)):
        out.append(span.text, style=" ".join(filter(None, (STYLES.get(t, "") for t in span.tags))))
        following = spans[i + 1].href if i + 1 < len(spans) else None
        if span.href and span.href != following:  # the link ends here
            out.append(f" ({span.href})", style="dim")
    return out


@contextlib.asynccontextmanager
async def _campaigns(settings: Settings) -> AsyncIterator[Campaigns]:
    content = ContentStore(settings.content.dir, max_age_days=settings.content.max_age_days)
    await content.reload_async()
    async with database_sessions(settings) as sessions:
        yield build_campaigns(settings, sessions, content)


def _fail(message: str) -> None:
    click.echo(f"hamroh campaign: {message}", err=True)
    sys.exit(1)


@click.group()
def campaign() -> None:
    """Awareness campaigns: content/campaigns/*.yaml."""


@campaign.command("list")
@click.pass_obj
def list_cmd(settings: Settings) -> None:
    """Every campaign with its state and figures."""
    async def run() -> None:
        async with _campaigns(settings) as campaigns:
            views = await campaigns.overview()
        table = Table(title="Campaigns")
        for col in ("id", "title", "send at", "expires", "state", "queued", "sent", "failed", "blocked",
                    "presses"):
            table.add_column(col)
        for v in views:
            t = v.totals
            table.add_row(v.id, v.title, v.send_at.isoformat(" ", "minutes") if v.send_at else "-",
                          v.expires_at.isoformat(" ", "minutes"), v.status, str(t.queued), str(t.sent),
                          str(t.failed + t.expired + t.unconfirmed), str(t.blocked), str(t.presses))
        Console(highlight=False).print(table)
    asyncio.run(run())


@campaign.command("preview")
@click.argument("campaign_id")
@click.option("--lang", type=click.Choice(["ru", "tg", "uz"]), default="ru", show_default=True)
@click.pass_obj
def preview(settings: Settings, campaign_id: str, lang: str) -> None:
    """The message as Telegram will show it in LANG, with its buttons."""
    async def run() -> None:
        async with _campaigns(settings) as campaigns:
            try:
                c = campaigns.get(campaign_id)
            except KeyError as e:
                _fail(str(e.args[0]))
                return
            if lang not in c.text:
                _fail(f"{campaign_id} has no {lang!r} text")
            message = campaigns.render(c, lang)
        console = Console(highlight=False)
        console.print(telegram_text(message.text))
        for label, _data in message.buttons:
            console.print(Text(f"[ {label} ]", style="bold cyan"))
    asyncio.run(run())


@campaign.command("send")
@click.argument("campaign_id")
@click.option("--dry-run", is_flag=True, help="Only print the audience by language and country.")
@click.pass_obj
def send(settings: Settings, campaign_id: str, dry_run: bool) -> None:
    """Queue the campaign now (`hamroh serve` sends it), or with --dry-run count its audience."""
    async def run() -> None:
        async with _campaigns(settings) as campaigns:
            try:
                if dry_run:
                    sizes = await campaigns.dry_run(campaign_id)
                    table = Table(title=f"Audience of {campaign_id} now")
                    for col in ("language", "country", "people"):
                        table.add_column(col)
                    for (lang, country), n in sorted(sizes.items()):
                        table.add_row(lang, country or "unknown", str(n))
                    table.add_row("total", "", str(sum(sizes.values())))
                    Console(highlight=False).print(table)
                    return
                started = await campaigns.start(campaign_id, by="cli")
            except (KeyError, ValueError) as e:
                _fail(str(e.args[0]))
                return
        if started.state == "before":
            _fail(f"{campaign_id} was queued before (see `hamroh campaign list`)")
        click.echo(f"{campaign_id}: queued for {started.people} people; `hamroh serve` sends it."
                   if started.state == "queued" else f"{campaign_id}: resumed; `hamroh serve` sends the rest.")
    asyncio.run(run())
