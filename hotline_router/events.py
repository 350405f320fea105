"""What happened to a case, told to observers after it is committed.

The console and the engine's port change cases; other views of the same queue (the Telegram
operators' forum) subscribe here to stay in step: `hotline.events.subscribe(observer)`. An
observer is an async function of a `CaseChange`; observers run in the background, one change
after the other in the order they were emitted, and a failing observer is logged and never
undoes or delays the change itself. This module knows no transport.

`after_commit(session, fn)` runs `fn` once the session's outermost transaction has committed
(and forgets it on a rollback): a change is announced only when it is on record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

log = structlog.get_logger(__name__)

# claimed | transferred | closed | reopened | replied (by an operator) | cancelled (by the person)
CHANGE_KINDS = ("claimed", "transferred", "closed", "reopened", "replied", "cancelled")


@dataclass(frozen=True)
class CaseChange:
    kind: str
    case_id: int
    by: str = ""  # the operator's display name; "" when the person or the system acted
    via: str = "console"  # where it was done: console | forum | person
    detail: dict[str, str] = field(default_factory=dict)  # outcome, to_team, to_operator
    text: str = ""  # the operator's reply as typed (kind "replied")


Observer = Callable[[CaseChange], Awaitable[None]]


class CaseEvents:
    def __init__(self) -> None:
        self._observers: list[Observer] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._tail: asyncio.Task[None] | None = None

    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def unsubscribe(self, observer: Observer) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def emit(self, change: CaseChange) -> None:
        """Schedule the observers (needs a running event loop); returns at once."""
        if not self._observers:
            return
        observers, previous = list(self._observers), self._tail

        async def run() -> None:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])  # keep the order of the changes
            for observer in observers:
                try:
                    await observer(change)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("hotline.observer_failed", kind=change.kind, case=change.case_id)

        task = asyncio.get_running_loop().create_task(run(), name=f"hotline-{change.kind}-{change.case_id}")
        self._tail = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every change emitted so far has been told (tests, shutdown)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))


_PENDING = "hotline_after_commit"


def after_commit(session: AsyncSession, fn: Callable[[], Any]) -> None:
    """Run `fn` (plain, quick: e.g. wake a worker or emit a change) after the outermost
    transaction of `session` commits; a rollback drops it."""
    sync = session.sync_session
    pending: list[Callable[[], Any]] | None = sync.info.get(_PENDING)
    if pending is None:
        pending = sync.info[_PENDING] = []
        event.listen(sync, "after_commit", _committed)
        event.listen(sync, "after_soft_rollback", _rolled_back)
    pending.append(fn)


def _committed(sync: Session) -> None:
    if sync.get_nested_transaction() is not None:
        return  # a savepoint was released: the outer transaction may still roll back
    pending = sync.info.get(_PENDING) or []
    sync.info[_PENDING] = []
    for fn in pending:
        try:
            fn()
        except Exception:  # the commit stands: a failed announcement is only logged
            log.exception("hotline.after_commit_failed")


def _rolled_back(sync: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        sync.info[_PENDING] = []
