"""Migration 0008 goes up and down on SQLite and PostgreSQL, and matches the models."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reminders.models import Reminder, ReminderSend
from bot.storage.db import downgrade, migrate

TABLES = {Reminder.__tablename__: Reminder.__table__, ReminderSend.__tablename__: ReminderSend.__table__}


def _schema(conn: sa.Connection) -> dict[str, tuple[set[str], set[str]]]:
    inspector = sa.inspect(conn)
    return {t: ({c["name"] for c in inspector.get_columns(t)}, {i["name"] for i in inspector.get_indexes(t)})
            for t in inspector.get_table_names() if t in TABLES}


async def test_up_down_up_and_the_models(any_engine: AsyncEngine) -> None:
    async with any_engine.connect() as conn:
        found = await conn.run_sync(_schema)
    for name, table in TABLES.items():
        columns, indexes = found[name]
        assert columns == {c.name for c in table.columns}, name
        assert indexes == {i.name for i in table.indexes}, name
    await downgrade(any_engine, "0007_console_language_location")
    async with any_engine.connect() as conn:
        assert await conn.run_sync(_schema) == {}
    await migrate(any_engine)
    async with any_engine.connect() as conn:
        assert await conn.run_sync(_schema) == found
