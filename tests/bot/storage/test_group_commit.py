"""Group commit: callers of one moment share a transaction, each still waits for its own
write, and one bad item fails only its own caller. Then the update store on the real
databases: a getUpdates batch in one transaction, redeliveries recognised, a repeated id new
for one caller only."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import make_sessionmaker, migrate
from bot.storage.group_commit import GroupCommit
from bot.telegram.models import StoredUpdate
from bot.telegram.update_store import UpdateStore
from bot.telegram.updates import UpdateProcessor


class Table:
    """A stand-in for a table, to count rounds: fails a round that holds a poisoned item."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.rounds: list[list[int]] = []

    async def write(self, items: list[int]) -> int:
        await asyncio.sleep(0.01)  # a transaction takes time; more callers arrive meanwhile
        self.rounds.append(items)
        if any(i < 0 for i in items):
            raise ValueError(f"bad item in {items}")
        self.rows.extend(items)
        return len(self.rows)


async def test_callers_of_one_moment_share_one_round() -> None:
    table = Table()
    commit = GroupCommit(table.write)
    results = await asyncio.gather(*(commit.submit([i]) for i in range(50)))
    assert sorted(table.rows) == list(range(50))
    assert len(table.rounds) == 1 and commit.rounds == 1 and commit.items == 50
    assert set(results) == {50}  # every caller returned after the round that holds its item


async def test_callers_arriving_during_a_round_share_the_next() -> None:
    table = Table()
    commit = GroupCommit(table.write)
    first = asyncio.create_task(commit.submit([0]))
    await asyncio.sleep(0.002)  # the first round is in flight
    later = [asyncio.create_task(commit.submit([i])) for i in range(1, 30)]
    await asyncio.gather(first, *later)
    assert table.rounds == [[0], list(range(1, 30))]


async def test_a_lone_caller_is_written_at_once() -> None:
    table = Table()
    commit = GroupCommit(table.write)
    assert await commit.submit([7, 8]) == 2
    assert table.rounds == [[7, 8]]


async def test_rounds_are_capped() -> None:
    table = Table()
    commit = GroupCommit(table.write, max_items=10)
    await asyncio.gather(*(commit.submit([i, i + 100]) for i in range(12)))
    assert [len(r) for r in table.rounds] == [10, 10, 4]


async def test_a_bad_item_fails_its_own_caller_only() -> None:
    table = Table()
    commit = GroupCommit(table.write)
    results = await asyncio.gather(*(commit.submit([i]) for i in (1, 2, -3, 4)), return_exceptions=True)
    assert isinstance(results[2], ValueError)
    assert sorted(table.rows) == [1, 2, 4]  # written again one by one after the shared round failed
    assert not any(isinstance(r, Exception) for i, r in enumerate(results) if i != 2)


async def test_a_cancelled_caller_does_not_stop_the_others() -> None:
    table = Table()
    commit = GroupCommit(table.write)
    tasks = [asyncio.create_task(commit.submit([i])) for i in range(5)]
    await asyncio.sleep(0)
    tasks[0].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[0], asyncio.CancelledError)
    assert sorted(table.rows) == [0, 1, 2, 3, 4]  # its item was in the round all the same


async def test_update_store_batches_and_recognises_redeliveries(any_engine: AsyncEngine) -> None:
    await migrate(any_engine)
    store = UpdateStore(make_sessionmaker(any_engine))
    batch = [(i, {"update_id": i, "message": {"text": f"m{i}\x00"}}) for i in range(1, 101)]
    assert await store.save_many(batch) == set(range(1, 101))
    assert store.saves.rounds == 1
    assert await store.save_many([*batch[:10], (500, {"update_id": 500})]) == {500}  # redeliveries skipped
    assert await store.save(5, {"update_id": 5}) is False
    assert await store.save_many([]) == set()  # nothing to write, and no INSERT without rows
    # The same id from two callers at once (two webhook deliveries): new for one of them only.
    both = await asyncio.gather(store.save(600, {"update_id": 600}), store.save(600, {"update_id": 600}))
    assert sorted(both) == [False, True]
    await asyncio.gather(*(store.done(i) for i in range(1, 51)))
    async with make_sessionmaker(any_engine)() as session:
        statuses = dict((await session.execute(select(StoredUpdate.status, func.count())
                                                .group_by(StoredUpdate.status))).all())
        row = await session.get(StoredUpdate, 60)
    assert statuses == {"done": 50, "pending": 52}
    assert row is not None and row.payload["message"]["text"] == "m60\ufffd" and row.attempts == 1
    assert store.dones.rounds < 50


@pytest.mark.parametrize("n", [1, 3])
async def test_update_store_save_is_one_transaction_per_caller_when_alone(any_engine: AsyncEngine, n: int) -> None:
    await migrate(any_engine)
    store = UpdateStore(make_sessionmaker(any_engine))
    for i in range(n):
        assert await store.save(1000 + i, {"update_id": 1000 + i}) is True
    assert store.saves.rounds == n


async def test_a_redelivery_while_in_flight_writes_nothing(sqlite_engine: AsyncEngine) -> None:
    """Telegram retried while this process still handles the update: 200, nothing stored."""
    await migrate(sqlite_engine)
    store = UpdateStore(make_sessionmaker(sqlite_engine))
    processor = UpdateProcessor(Dispatcher(), store)
    processor.inflight.add(77)
    assert await processor.accept(Bot("42:TEST"), 77, {"update_id": 77}) is False
    assert store.saves.rounds == 0
