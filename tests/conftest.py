"""Shared fixtures: the repo's content, databases (SQLite always; PostgreSQL and Redis when
the servers run), and a deterministic NLU for engine tests.

A test that needs PostgreSQL or Redis skips with the reason on a newcomer's laptop, and fails
when CI=true, so CI always runs it for real.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import make_engine, migrate

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
PG_URL = os.environ.get("HAMROH_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HAMROH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def need_server(name: str, host: str, port: int) -> None:
    if _port_open(host, port):
        return
    message = f"{name} is not running at {host}:{port}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}, and CI=true requires it")
    pytest.skip(message)


@pytest.fixture
def content_dir() -> Path:
    return CONTENT


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'hamroh.db'}")
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    need_server("PostgreSQL", "127.0.0.1", 5432)
    yield PG_URL


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    """A fresh schema per test on the real server, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url)
    async with admin.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(pg_url, connect_args={"server_settings": {"search_path": schema}})
    await migrate(engine)
    yield engine
    await engine.dispose()
    async with admin.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request: pytest.FixtureRequest) -> AsyncEngine:
    """Runs a test on SQLite and on the PostgreSQL server. A plain (sync) fixture: an async
    one cannot resolve the async `pg_engine` under pytest-asyncio 1.x."""
    engine: AsyncEngine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    return engine


@pytest.fixture
def redis_url() -> str:
    need_server("Redis", "127.0.0.1", 6379)
    return REDIS_URL
