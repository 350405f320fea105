"""`hamroh telegram link-operator|unlink-operator|links`: which Telegram accounts act as which
console operators in the operators' forum group."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import click
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.composition import database_sessions
from bot.settings import Settings
from bot.telegram.models import OperatorLink
from hotline_router.models import Operator


def _run(settings: Settings, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with database_sessions(settings) as sessions, sessions.begin() as session:
            return await work(session)

    return asyncio.run(main())


@click.group("telegram")
def telegram_group() -> None:
    """The Telegram bot's operator links (see docs/telegram.md)."""


@telegram_group.command("link-operator")
@click.argument("username")
@click.argument("telegram_user_id", type=int)
@click.pass_obj
def link_operator(settings: Settings, username: str, telegram_user_id: int) -> None:
    """Let TELEGRAM_USER_ID claim, close and reply in the forum as console user USERNAME."""
    async def work(session: AsyncSession) -> str:
        op = await session.scalar(select(Operator).where(Operator.username == username))
        if op is None:
            raise click.ClickException(f"no console account {username!r}: create it with "
                                       f"`hamroh operators add {username}`")
        link = await session.get(OperatorLink, telegram_user_id)
        if link is None:
            session.add(OperatorLink(telegram_user_id=telegram_user_id, operator_id=op.id))
        else:
            link.operator_id = op.id
        return f"Telegram user {telegram_user_id} now acts as {username}"

    click.echo(_run(settings, work))


@telegram_group.command("unlink-operator")
@click.argument("telegram_user_id", type=int)
@click.pass_obj
def unlink_operator(settings: Settings, telegram_user_id: int) -> None:
    """Remove a link: that Telegram account can no longer act in the forum."""
    async def work(session: AsyncSession) -> None:
        await session.execute(delete(OperatorLink).where(OperatorLink.telegram_user_id == telegram_user_id))

    _run(settings, work)
    click.echo(f"unlinked {telegram_user_id}")


@telegram_group.command("links")
@click.pass_obj
def links(settings: Settings) -> None:
    """List the links."""
    async def work(session: AsyncSession) -> list[tuple[int, str]]:
        rows = await session.execute(select(OperatorLink.telegram_user_id, Operator.username)
                                     .join(Operator, Operator.id == OperatorLink.operator_id))
        return [(int(r[0]), str(r[1])) for r in rows]

    for tg_id, username in _run(settings, work):
        click.echo(f"{tg_id}\t{username}")
