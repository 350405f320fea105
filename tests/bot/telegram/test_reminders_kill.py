"""A real kill: the reminder worker's process gets SIGKILL right when its sendMessage is
about to leave (the reminder claimed, nothing sent), then a new process starts. The reminder
reaches the fake Bot API exactly once, and a third process sends nothing more."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.reminders.models import Reminder, ReminderSend
from bot.storage.db import make_engine, make_sessionmaker, migrate
from bot.storage.models import User
from tests.bot.telegram.fake_bot_api import FakeBotAPI

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
PERSON = 5150


@pytest.fixture(params=["sqlite", "postgres"])
async def kill_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database both processes share: a file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}"
        return
    pg_url: str = request.getfixturevalue("pg_url")
    database = f"remkill_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url, connect_args={})

    async def run(sql: str) -> None:
        async with admin.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(sa.text(sql))

    await run(f'CREATE DATABASE "{database}"')
    yield pg_url.rsplit("/", 1)[0] + f"/{database}"
    await run(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await admin.dispose()


async def seed(db_url: str) -> None:
    """A patent paid until tomorrow, its reminder due a minute ago."""
    engine = make_engine(db_url)
    await migrate(engine)
    now = dt.datetime.now(dt.UTC)
    async with make_sessionmaker(engine).begin() as session:
        user = User(transport="telegram", external_id=str(PERSON), lang="ru", country="RU")
        session.add(user)
        await session.flush()
        tomorrow = (now.astimezone(ZoneInfo("Europe/Moscow")) + dt.timedelta(days=1)).date()  # the person's day
        reminder = Reminder(user_id=user.id, kind="patent", date=tomorrow, deadline=tomorrow)
        session.add(reminder)
        await session.flush()
        session.add(ReminderSend(reminder_id=reminder.id, user_id=user.id, days_before=1,
                                 due_at=now - dt.timedelta(minutes=1), status="pending", attempts=0))
    await engine.dispose()


async def statuses(db_url: str) -> list[tuple[str, int]]:
    engine = make_engine(db_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(ReminderSend.status, ReminderSend.attempts))).all()
    await engine.dispose()
    return [(s, a) for s, a in rows]


async def proc(mode: str, db_url: str, api_url: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "reminder_proc.py"), mode, db_url, api_url, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_sigkill_at_send_time_then_restart_sends_once(kill_db: str, fake_api: FakeBotAPI) -> None:
    await seed(kill_db)
    first = await proc("start", kill_db, fake_api.url)
    assert first.stdout is not None and first.stderr is not None
    line = await asyncio.wait_for(first.stdout.readline(), 120)  # a bound against a hang only
    if line.strip() != b"SENDING":
        pytest.fail(f"the first process did not reach the send: {line!r} {await first.stderr.read()!r}")
    assert await statuses(kill_db) == [("sending", 1)]  # claimed and committed before the request
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    assert fake_api.delivered_to(PERSON) == []  # it really died at the send

    for expected in (b"DONE 1", b"DONE 0"):  # the restart sends it; one more restart sends nothing
        second = await proc("resume", kill_db, fake_api.url)
        out, err = await asyncio.wait_for(second.communicate(), 120)
        assert second.returncode == 0, err.decode()
        assert out.strip().endswith(expected)
    texts = fake_api.delivered_to(PERSON)
    assert len(texts) == 1 and "Ваш патент оплачен до" in texts[0] and "Осталось дней: 1." in texts[0]
    assert await statuses(kill_db) == [("sent", 2)]
