"""`hamroh operators add|list|disable|enable`: console accounts.

The group is built with a function that opens the (migrated) database from the settings, so
this package needs nothing from the bot package.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from hotline_router import operators as accounts

OpenDb = Callable[[Any], Awaitable[AsyncEngine]]


def _run(open_db: OpenDb, settings: Any, work: Callable[[Any], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        engine = await open_db(settings)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


def make_operators_group(open_db: OpenDb) -> click.Group:
    @click.group("operators")
    def group() -> None:
        """Console accounts of hotline operators and supervisors."""

    @group.command("add")
    @click.argument("username")
    @click.option("--role", type=click.Choice(accounts.ROLES), default="operator", show_default=True)
    @click.option("--name", "display_name", default="", help="Name shown in the console.")
    @click.option("--teams", default="", help="Comma-separated team ids (empty: every team).")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    @click.pass_obj
    def add(settings: Any, username: str, role: str, display_name: str, teams: str,
            password_stdin: bool) -> None:
        """Create an account (the password is asked for, never given on the command line)."""
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        team_list = [t.strip() for t in teams.split(",") if t.strip()]

        async def work(session: Any) -> None:
            await accounts.add(session, username=username, password=password, role=role,
                               display_name=display_name, teams=team_list)

        _run(open_db, settings, work)
        click.echo(f"added {role} {username.lower()}")

    @group.command("list")
    @click.pass_obj
    def list_(settings: Any) -> None:
        """Show every account."""
        rows = _run(open_db, settings, accounts.list_all)
        table = Table(title="Operators")
        for col in ("user", "name", "role", "teams", "active", "last seen (UTC)"):
            table.add_column(col)
        for op in rows:
            table.add_row(op.username, op.display_name, op.role, ", ".join(op.teams) or "all",
                          "yes" if op.active else "no",
                          op.last_seen_at.strftime("%Y-%m-%d %H:%M") if op.last_seen_at else "never")
        Console(highlight=False).print(table)

    def _set(active: bool) -> Callable[..., None]:
        @click.argument("username")
        @click.pass_obj
        def command(settings: Any, username: str) -> None:
            async def work(session: Any) -> None:
                await accounts.set_active(session, username, active)

            _run(open_db, settings, work)
            click.echo(f"{'enabled' if active else 'disabled'} {username.lower()}")

        return command

    group.command("disable", help="Stop an account from logging in (its sessions end).")(_set(False))
    group.command("enable", help="Let a disabled account log in again.")(_set(True))
    return group
