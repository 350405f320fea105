"""Migration 0002 goes up and down on SQLite and PostgreSQL, and matches the models."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import downgrade, migrate
from hotline_router.models import Base

TABLES = set(Base.metadata.tables)


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def test_up_down_up(any_engine: AsyncEngine) -> None:
    assert await _tables(any_engine) >= TABLES
    await downgrade(any_engine, "0001")
    left = await _tables(any_engine)
    assert not TABLES & left and "users" in left
    await migrate(any_engine)
    assert await _tables(any_engine) >= TABLES


async def test_columns_match_the_models(any_engine: AsyncEngine) -> None:
    def columns(conn: sa.Connection) -> dict[str, set[str]]:
        inspector = sa.inspect(conn)
        return {t: {c["name"] for c in inspector.get_columns(t)} for t in TABLES}

    async with any_engine.connect() as conn:
        found = await conn.run_sync(columns)
    for name, table in Base.metadata.tables.items():
        assert found[name] == {c.name for c in table.columns}, name
