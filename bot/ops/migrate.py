"""`python -m bot.ops.migrate`: bring the database to the latest schema, once, before several
`hamroh serve` replicas start (compose.yaml's `migrate` service). Exit 0 when done, 2 with one
line on stderr when the database cannot be reached.

`python -m bot.ops.migrate --current` changes nothing: it prints the schema revision of the
database and the newest one this version knows (Alembic's `current` and `heads`), e.g. after a
restore (docs/deploy.md); exit 0 when they match, 1 when not.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from bot.logs import configure_logging
from bot.settings import load_settings
from bot.startup import StartupError, preflight
from bot.storage.db import alembic_config, make_engine, migrate


async def upgrade(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current(url: str) -> str | None:
    """The revision recorded in the database (None: never migrated)."""
    engine = make_engine(url)

    def _read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_read)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("--current", action="store_true", help="print the database's revision; change nothing")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(settings)
    try:
        asyncio.run(preflight(settings, redis=False, token=False))
        if args.current:
            found, newest = asyncio.run(current(settings.database.url)), head()
            print(f"current: {found or 'none'}{' (head)' if found == newest else ''}\nhead: {newest}")
            return 0 if found == newest else 1
        asyncio.run(upgrade(settings.database.url))
    except StartupError as e:
        print(f"hamroh: {e}", file=sys.stderr)
        return 2
    print("hamroh: the database schema is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
