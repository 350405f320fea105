"""`hamroh updates dead|retry`: the Telegram updates that could not be handled (dead letters).

An update is dead-lettered after `max_attempts` failed attempts (or at once when no retry can
help, e.g. Telegram refused the answer or the update cannot be read); the log says
`telegram.update_dead`. Its payload (the person's message) is kept a week for inspection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import click

from bot.composition import database_sessions
from bot.settings import Settings
from bot.telegram.update_store import UpdateStore


def _run(settings: Settings, work: Callable[[UpdateStore], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with database_sessions(settings) as sessions:
            return await work(UpdateStore(sessions))

    return asyncio.run(main())


@click.group("updates")
def updates_group() -> None:
    """Telegram updates that failed every attempt (see docs/telegram.md)."""


@updates_group.command("dead")
@click.option("--limit", default=20, show_default=True, help="How many of the latest to list.")
@click.pass_obj
def dead(settings: Settings, limit: int) -> None:
    """How many updates are dead-lettered, and the latest of them."""
    async def work(store: UpdateStore) -> tuple[int, list[Any]]:
        return await store.count_dead(), await store.dead(limit)

    count, rows = _run(settings, work)
    click.echo(f"dead updates: {count}")
    for row in rows:
        click.echo(f"{row.update_id}\tattempts={row.attempts}\treceived={row.received_at:%Y-%m-%d %H:%M}"
                   f"\t{row.error or ''}")


@updates_group.command("retry")
@click.argument("update_ids", nargs=-1, type=int)
@click.option("--all", "everything", is_flag=True, help="Every dead update that still has its message.")
@click.pass_obj
def retry(settings: Settings, update_ids: tuple[int, ...], everything: bool) -> None:
    """Give dead updates another round of attempts (handled by the running service)."""
    if not update_ids and not everything:
        raise click.UsageError("name update ids, or --all")
    count = _run(settings, lambda store: store.requeue(None if everything else update_ids))
    click.echo(f"requeued {count}")
