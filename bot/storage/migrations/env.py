"""Alembic environment: always run on a connection handed over by `bot.storage.db.migrate`."""

from __future__ import annotations

from alembic import context

from bot.storage.models import Base
from hotline_router.models import Base as HotlineBase

# The hotline queue keeps its own tables in its own metadata.
target_metadata = [Base.metadata, HotlineBase.metadata]

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.storage.db.migrate(engine)")
context.configure(connection=connection, target_metadata=target_metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
