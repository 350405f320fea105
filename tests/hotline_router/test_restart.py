"""A real kill: SIGKILL in the middle of delivering operator replies, then a restart.

Nothing acknowledged is lost: the case, the person's message and every reply are there, and
the undelivered replies go out after the restart, in order (the one in flight at the kill
may arrive twice: delivery is at least once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.db import make_engine
from hotline_router.models import Case, Message

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def _proc(mode: str, db_url: str, out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(HERE / "relay_proc.py"), mode, db_url, str(out)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}"
    import asyncio
    import uuid

    import sqlalchemy as sa

    pg_url: str = request.getfixturevalue("pg_url")
    database = f"kill_{uuid.uuid4().hex[:8]}"

    async def create(sql: str) -> None:
        admin = make_engine(pg_url, connect_args={})
        async with admin.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(sa.text(sql))
        await admin.dispose()

    asyncio.run(create(f'CREATE DATABASE "{database}"'))
    request.addfinalizer(lambda: asyncio.run(create(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')))
    return pg_url.rsplit("/", 1)[0] + f"/{database}"


def test_sigkill_mid_delivery_loses_nothing(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "delivered.txt"
    first = _proc("start", db_url, out)
    assert first.stdout is not None
    acks: list[int] = []
    while len(acks) < 10:
        line = first.stdout.readline()
        if not line:
            pytest.fail(f"the first process ended early: {first.stderr.read() if first.stderr else ''}")
        if line.startswith("ACK"):
            acks.append(int(line.split()[1]))
    deadline = time.monotonic() + 60
    while len([x for x in _lines(out) if x.startswith("reply")]) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    before = _lines(out)
    assert len([x for x in before if x.startswith("reply")]) < 10  # it really died mid-way

    second = _proc("resume", db_url, out)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err

    replies = [x for x in _lines(out) if x.startswith("reply")]
    deduped = [x for i, x in enumerate(replies) if i == 0 or x != replies[i - 1]]
    assert deduped == [f"reply {n}" for n in acks]  # all, in order
    assert len(replies) - len(deduped) <= 1  # at most the one in flight twice

    import asyncio

    async def stored() -> tuple[str, list[str], set[str]]:
        engine = make_engine(db_url)
        async with engine.connect() as conn:
            status = (await conn.execute(select(Case.status))).scalar_one()
            texts = list((await conn.execute(select(Message.text).where(Message.direction == "in")))
                         .scalars())
            states = set((await conn.execute(select(Message.status).where(Message.direction != "in")))
                         .scalars())
        await engine.dispose()
        return status, texts, states

    status, texts, states = asyncio.run(stored())
    assert status == "assigned" and texts == ["please help"] and states == {"sent"}
