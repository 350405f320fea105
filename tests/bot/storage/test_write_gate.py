"""SQLite: a session takes the process's write gate at its first write and gives it back
when its transaction ends; reads never take it (so NLU and handlers are not serialised)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.storage import repo
from bot.storage.db import WriteGate, make_engine, make_sessionmaker, migrate


async def test_gate_only_around_writes(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}")
    await migrate(engine)
    sessions = make_sessionmaker(engine)
    gate = sessions.kw["info"]["write_gate"]
    assert isinstance(gate, WriteGate)
    try:
        async with sessions() as reader, sessions() as writer:
            assert await repo.get_user(reader, transport="t", external_id="1") is None
            assert not gate.lock.locked()  # a read takes nothing
            await repo.get_or_create_user(writer, transport="t", external_id="1")
            assert gate.lock.locked()  # the first write took it ...
            second = asyncio.create_task(_write_other(sessions))
            await asyncio.sleep(0.05)
            assert not second.done() and gate.waits == 1  # ... so another writer queues
            assert await repo.get_user(reader, transport="t", external_id="2") is None  # reads go on
            await writer.commit()
            await asyncio.wait_for(second, 5)
        assert not gate.lock.locked()
        async with sessions() as session:
            await repo.get_or_create_user(session, transport="t", external_id="3")
        assert not gate.lock.locked()  # a rollback gives it back too
    finally:
        await engine.dispose()


async def _write_other(sessions: object) -> None:
    async with sessions() as session:  # type: ignore[operator]
        await repo.get_or_create_user(session, transport="t", external_id="2")
        await session.commit()


async def test_person_is_looked_up_once_per_session(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'once.db'}")
    await migrate(engine)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            assert await repo.get_user(session, transport="t", external_id="9") is None
            user, created = await repo.get_or_create_user(session, transport="t", external_id="9")
            assert created and await repo.get_user(session, transport="t", external_id="9") is user
            await repo.forget_user(session, user=user)
            assert await repo.get_user(session, transport="t", external_id="9") is None
            await session.commit()
    finally:
        await engine.dispose()
