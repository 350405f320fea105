"""`hamroh operators add|list|disable|enable`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import make_engine, migrate
from hotline_router.cli import make_operators_group


def test_add_list_disable(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"

    async def open_db(_settings: Any) -> AsyncEngine:
        engine = make_engine(url)
        await migrate(engine)
        return engine

    group, runner = make_operators_group(open_db), CliRunner()
    done = runner.invoke(group, ["add", "Alice", "--role", "supervisor", "--teams", "tajik,general",
                                 "--password-stdin"], input="a long password\n", obj=object())
    assert done.exit_code == 0, done.output
    short = runner.invoke(group, ["add", "bob", "--password-stdin"], input="short\n", obj=object())
    assert short.exit_code != 0 and "at least" in short.output
    twice = runner.invoke(group, ["add", "alice", "--password-stdin"], input="a long password\n", obj=object())
    assert twice.exit_code != 0 and "already exists" in twice.output
    assert runner.invoke(group, ["disable", "alice"], obj=object()).exit_code == 0
    listing = runner.invoke(group, ["list"], obj=object())
    assert "alice" in listing.output and "supervisor" in listing.output and "no" in listing.output
    assert runner.invoke(group, ["disable", "nobody"], obj=object()).exit_code != 0
