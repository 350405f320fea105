"""Group commit: writes that arrive while one is in flight share the next transaction.

Every Telegram update costs two small writes of bookkeeping (stored before it is
acknowledged, marked done after its replies went out). One transaction each is one commit
each: on SQLite the commit is the expensive part, and on PostgreSQL a round trip. Under load
many updates want the same kind of write at the same moment, so callers queue their items and
one runner writes everything that has queued so far in one transaction, then the next lot.
A lone caller waits for nothing (one event-loop tick), so latency at low load is unchanged;
under load the number of commits falls with the batch size.

Each caller awaits its own write: when `submit` returns, the items are committed (the same
guarantee as a transaction of its own). When a shared write fails, each caller's items are
written again on their own, so one bad item cannot fail its neighbours.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """`write(items)` commits a list of items in one transaction and returns a result that
    every caller of that round receives (for example the set of ids actually inserted)."""

    def __init__(self, write: Callable[[list[T]], Awaitable[R]], *, max_items: int = 500) -> None:
        self._write, self.max_items = write, max_items
        self._queue: deque[tuple[list[T], asyncio.Future[R]]] = deque()
        self._runner: asyncio.Task[None] | None = None
        self.rounds = 0  # transactions written, for tests and figures
        self.items = 0

    async def submit(self, items: Sequence[T]) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((list(items), future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        batch: list[tuple[list[T], asyncio.Future[R]]] = []
        try:
            await asyncio.sleep(0)  # the callers of this same tick join the first round
            while self._queue:
                batch = self._take()
                await self._round(batch)
        finally:  # cancelled (shutdown): no caller may wait for a round that will not come
            for _, future in [*batch, *self._queue]:
                if not future.done():
                    future.cancel()
            self._queue.clear()

    async def _round(self, batch: list[tuple[list[T], asyncio.Future[R]]]) -> None:
        try:
            result = await self._write([item for items, _ in batch for item in items])
        except Exception as e:  # handed to the callers, or retried one by one
            if len(batch) == 1:
                _settle(batch[0][1], error=e)
            else:
                await self._one_by_one(batch)
            return
        self.rounds += 1
        self.items += sum(len(items) for items, _ in batch)
        for _, future in batch:
            _settle(future, result)

    def _take(self) -> list[tuple[list[T], asyncio.Future[R]]]:
        batch = [self._queue.popleft()]
        size = len(batch[0][0])
        while self._queue and size + len(self._queue[0][0]) <= self.max_items:
            items, future = self._queue.popleft()
            batch.append((items, future))
            size += len(items)
        return batch

    async def _one_by_one(self, batch: list[tuple[list[T], asyncio.Future[R]]]) -> None:
        for items, future in batch:
            try:
                result = await self._write(items)
            except Exception as e:  # this caller's own failure, raised in its task
                _settle(future, error=e)
            else:
                self.rounds += 1
                self.items += len(items)
                _settle(future, result)


def _settle(future: asyncio.Future[R], result: R | None = None, *, error: BaseException | None = None) -> None:
    if future.done():  # the caller was cancelled; its items were written all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
