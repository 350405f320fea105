"""The backup and restore of docs/deploy.md, for real: a migrated database with cases is dumped
with pg_dump, restored with pg_restore into a fresh database, and the restored one is at the
newest schema revision (`python -m bot.ops.migrate --current`) with the same cases."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import select

from bot.storage.db import make_engine, make_sessionmaker, migrate
from bot.storage.models import User
from hotline_router.models import Case
from tests.conftest import need_server

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian: postgresql-client)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}, and CI=true requires it")
        pytest.skip(message)
    return path


@contextlib.asynccontextmanager
async def databases(*names: str) -> AsyncIterator[None]:
    admin = await asyncpg.connect(ADMIN)
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
        yield
    finally:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, **kw)  # type: ignore[call-overload]


def url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def cases_in(name: str) -> list[tuple[str, str, str, str | None]]:
    engine = make_engine(url(name))
    try:
        async with make_sessionmaker(engine)() as session:
            rows = (await session.execute(select(Case.external_id, Case.team, Case.status, Case.outcome)
                                          .order_by(Case.id))).all()
    finally:
        await engine.dispose()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def test_dump_and_restore_into_a_fresh_database(tmp_path: Path) -> None:
    need_server("PostgreSQL", "127.0.0.1", 5432)
    pg_dump, pg_restore = need_tool("pg_dump"), need_tool("pg_restore")
    source, target = (f"hamroh_backup_{uuid.uuid4().hex[:8]}_{part}" for part in ("src", "dst"))
    async with databases(source, target):
        engine = make_engine(url(source))
        await migrate(engine)
        async with make_sessionmaker(engine).begin() as session:
            for i, (team, status) in enumerate([("tajik", "queued"), ("uzbek", "assigned"), ("general", "closed")]):
                user = User(transport="telegram", external_id=str(9000 + i), lang="ru")
                session.add(user)
                await session.flush()
                session.add(Case(user_id=user.id, transport="telegram", external_id=str(9000 + i), lang="ru",
                                 team=team, preferred_team=team, status=status, level="high",
                                 outcome="helped" if status == "closed" else None))
        await engine.dispose()
        before = await cases_in(source)
        assert len(before) == 3

        dump = tmp_path / "hamroh.dump"
        common = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "--no-owner"]
        dumped = await asyncio.to_thread(run, [pg_dump, *common, "--format=custom", "-d", source, "-f", str(dump)])
        assert dumped.returncode == 0 and dump.stat().st_size > 0, dumped.stderr
        restored = await asyncio.to_thread(run, [pg_restore, *common, "--exit-on-error", "-d", target, str(dump)])
        assert restored.returncode == 0, restored.stderr

        env = {**os.environ, "HAMROH_DATABASE__URL": url(target)}
        done = await asyncio.to_thread(run, [sys.executable, "-m", "bot.ops.migrate", "--current"], cwd=ROOT, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "(head)" in done.stdout.splitlines()[0]
        assert await cases_in(target) == before
