"""Migration 0009 goes up and down on SQLite and PostgreSQL, and matches the models."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.campaigns.models import CampaignDelivery, CampaignPress, CampaignRun
from bot.storage.db import downgrade, migrate
from bot.storage.models import User

TABLES = {t.__tablename__: t.__table__ for t in (CampaignRun, CampaignDelivery, CampaignPress)}
USER_COLUMNS = {"news", "news_changed_at", "blocked_at"}


def _schema(conn: sa.Connection) -> dict[str, tuple[set[str], set[str]]]:
    inspector = sa.inspect(conn)
    return {t: ({c["name"] for c in inspector.get_columns(t)}, {i["name"] for i in inspector.get_indexes(t)
                                                                  if not i.get("duplicates_constraint")})
            for t in inspector.get_table_names() if t in TABLES or t == "users"}


async def test_up_down_up_and_the_models(any_engine: AsyncEngine) -> None:
    async with any_engine.connect() as conn:
        found = await conn.run_sync(_schema)
    for name, table in TABLES.items():
        columns, indexes = found[name]
        assert columns == {c.name for c in table.columns}, name
        assert indexes == {i.name for i in table.indexes}, name
    assert found["users"][0] == {c.name for c in User.__table__.columns}
    # 0010 (the inbox) sits on top: down to 0008 takes both away, then everything comes back.
    await downgrade(any_engine, "0008_reminders")
    async with any_engine.connect() as conn:
        down = await conn.run_sync(_schema)
    assert set(down) == {"users"} and not USER_COLUMNS & down["users"][0]
    await migrate(any_engine)
    async with any_engine.connect() as conn:
        assert await conn.run_sync(_schema) == found
