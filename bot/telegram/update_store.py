"""The `telegram_updates` table: every update (webhook or polling) is committed here before it
is acknowledged, then handled under a lease, retried with backoff, or dead-lettered.

Life of a row: `pending` (claimed_at = the lease, renewed by a heartbeat while a process
handles it) -> `done` (payload cleared at once) or, after a failure, `pending` again with
`next_attempt_at` (exponential backoff) until `max_attempts`, then `dead` (payload kept for
inspection for `dead_payload_days`, see `purge`). A process killed while handling leaves a
`pending` row whose lease runs out: any process sharing the database claims it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import String, and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.group_commit import GroupCommit
from bot.telegram.models import StoredUpdate

log = structlog.get_logger(__name__)
Clock = Callable[[], dt.datetime]
MAX_UPDATE_ID = 2**63 - 1  # BIGINT; Telegram's ids are far below
PURGED = " [payload purged]"  # appended to the error of a dead update whose message was removed


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _not_purged() -> Any:
    return func.coalesce(StoredUpdate.error, "").not_like("%" + PURGED)


@dataclass(frozen=True)
class Claimed:
    update_id: int
    payload: dict[str, Any]
    attempt: int  # 1 for the first handling
    parsed: object = None  # the update already parsed by the transport (polling), else None


@dataclass(frozen=True)
class DeadUpdate:
    update_id: int
    attempts: int
    error: str | None
    received_at: dt.datetime
    finished_at: dt.datetime | None


@dataclass
class UpdatesPurged:
    deleted: int = 0  # done rows past a day, dead rows past the retention period
    cleared: int = 0  # dead payloads past `dead_payload_days`
    expired: int = 0  # still pending after the retention period: deleted (and logged)


class UpdateStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, lease_s: float = 60.0,
                 max_attempts: int = 5, backoff_base_s: float = 15.0, backoff_max_s: float = 600.0,
                 clock: Clock = _now, gate: asyncio.Lock | None = None) -> None:
        self.sessions, self.lease_s, self.clock = sessions, lease_s, clock
        self.max_attempts = max_attempts
        self.backoff_base_s, self.backoff_max_s = backoff_base_s, backoff_max_s
        # SQLite has one writer: share the handlers' gate (DbSessionMiddleware) rather than
        # meet them in SQLite's busy handler, which sleeps up to 100 ms at a time.
        self.gate = gate
        # The two writes every update costs, shared by the updates that want them at the
        # same moment (bot.storage.group_commit): one commit per round, not per update.
        self.saves: GroupCommit[tuple[int, dict[str, Any]], set[int]] = GroupCommit(self._insert)
        self.dones: GroupCommit[int, None] = GroupCommit(self._mark_done)

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        async with self.gate or contextlib.nullcontext(), self.sessions.begin() as session:
            yield session

    async def save(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Commit the update, leased to this process; False when already stored (a redelivery)."""
        return bool(await self.save_many([(update_id, payload)]))

    async def save_many(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> set[int]:
        """Commit several updates at once (a getUpdates batch); the ids that were new."""
        wanted = {update_id for update_id, _ in updates}
        if not wanted:  # nothing to write (an INSERT of no rows is not "no INSERT")
            return set()
        inserted = await self.saves.submit(updates)  # shared by the callers of one round:
        mine = wanted & inserted
        inserted -= mine  # an id two callers sent at once is new for the first one only
        return mine

    async def _insert(self, updates: list[tuple[int, dict[str, Any]]]) -> set[int]:
        now = self.clock()
        rows = {update_id: {"update_id": update_id, "payload": payload, "status": "pending",
                            "claimed_at": now, "attempts": 1}
                for update_id, payload in reversed(updates)}  # the first of a repeated id
        async with self._write() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            table: Any = StoredUpdate.__table__
            # Core with a list of rows: compiled once and cached; SQLAlchemy's "insertmanyvalues"
            # still sends one multi-row INSERT. (`.values(rows)` compiled a new statement per batch.)
            statement = insert(table).on_conflict_do_nothing(index_elements=["update_id"]) \
                .returning(table.c.update_id)
            result = await session.execute(statement, list(rows.values()))
            return set(result.scalars())

    async def renew(self, update_ids: Collection[int]) -> int:
        """The heartbeat: extend the lease of updates this process is handling."""
        ids, renewed = sorted(update_ids), 0
        for i in range(0, len(ids), 500):  # SQLite binds at most 32766 values per statement
            async with self._write() as session:
                renewed += _count(await session.execute(
                    update(StoredUpdate).where(StoredUpdate.update_id.in_(ids[i:i + 500]),
                                               StoredUpdate.status == "pending")
                    .values(claimed_at=self.clock()).execution_options(synchronize_session=False)))
        return renewed

    async def done(self, update_id: int) -> None:
        await self.dones.submit([update_id])

    async def _mark_done(self, update_ids: list[int]) -> None:
        # The payload is the person's message: keep only the id (to spot redeliveries).
        async with self._write() as session:
            await session.execute(update(StoredUpdate).where(StoredUpdate.update_id.in_(update_ids))
                                  .values(status="done", payload={}, error=None, claimed_at=None,
                                          finished_at=self.clock())
                                  .execution_options(synchronize_session=False))

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max_s, self.backoff_base_s * 2 ** max(0, attempt - 1)))

    async def failed(self, update_id: int, attempt: int, error: str, *, permanent: bool = False) -> str:
        """Record a failed attempt: `retry` (lease released, due after the backoff) or `dead`."""
        now = self.clock()
        error = error[:250]
        dead = permanent or attempt >= self.max_attempts
        values: dict[str, Any] = {"error": error, "claimed_at": None}
        if dead:
            values.update(status="dead", finished_at=now)
        else:
            values.update(next_attempt_at=now + dt.timedelta(seconds=self.backoff(attempt)))
        async with self._write() as session:
            await session.execute(update(StoredUpdate).where(StoredUpdate.update_id == update_id,
                                                             StoredUpdate.status == "pending")
                                  .values(**values).execution_options(synchronize_session=False))
        if dead:
            log.error("telegram.update_dead", update_id=update_id, attempts=attempt, error=error)
            return "dead"
        log.warning("telegram.update_retry", update_id=update_id, attempt=attempt, error=error,
                    retry_in_s=self.backoff(attempt))
        return "retry"

    async def claim_stale(self, limit: int = 100, skip: Collection[int] = ()) -> list[Claimed]:
        """Pending updates nobody holds (lease run out, or released after a failure) and due,
        claimed for this process. One whose lease ran out `max_attempts` times (its handler
        keeps dying) is dead-lettered instead."""
        now = self.clock()
        expired = now - dt.timedelta(seconds=self.lease_s)
        free = and_(StoredUpdate.status == "pending",
                    or_(StoredUpdate.claimed_at.is_(None), StoredUpdate.claimed_at < expired),
                    or_(StoredUpdate.next_attempt_at.is_(None), StoredUpdate.next_attempt_at <= now))
        query = select(StoredUpdate.update_id, StoredUpdate.payload, StoredUpdate.attempts).where(free)
        async with self.sessions() as session:
            rows = (await session.execute(query.order_by(StoredUpdate.update_id).limit(limit))).all()
        claimed: list[Claimed] = []
        for update_id, payload, attempts in rows:
            if update_id in skip:  # `skip` may be the caller's live set: checked at the last moment
                continue
            mine = and_(free, StoredUpdate.update_id == update_id, StoredUpdate.attempts == attempts)
            async with self._write() as session:
                if attempts >= self.max_attempts:
                    result = await session.execute(update(StoredUpdate).where(mine).values(
                        status="dead", finished_at=now, claimed_at=None,
                        error=f"handling never finished ({attempts} attempts)")
                        .execution_options(synchronize_session=False))
                    if _count(result) == 1:
                        log.error("telegram.update_dead", update_id=update_id, attempts=attempts,
                                  error="handling never finished")
                    continue
                result = await session.execute(update(StoredUpdate).where(mine).values(
                    claimed_at=now, attempts=attempts + 1).execution_options(synchronize_session=False))
                if _count(result) == 1:
                    claimed.append(Claimed(update_id, payload, attempts + 1))
        return claimed

    async def purge(self, *, retention_days: int = 90, done_keep: dt.timedelta = dt.timedelta(days=1),
                    dead_payload_days: int = 7) -> UpdatesPurged:
        """Retention of the table: done rows go after a day (only their id was kept), dead
        ones lose the person's message after `dead_payload_days` and go after the retention
        period, and nothing pending keeps a message longer than the retention period."""
        now = self.clock()
        retention = now - dt.timedelta(days=retention_days)
        dead_payload = now - dt.timedelta(days=min(dead_payload_days, retention_days))
        out = UpdatesPurged()
        async with self._write() as session:
            out.expired = _count(await session.execute(delete(StoredUpdate).where(
                StoredUpdate.status == "pending", StoredUpdate.received_at < retention)))
            out.deleted = _count(await session.execute(delete(StoredUpdate).where(or_(
                and_(StoredUpdate.status == "done", StoredUpdate.received_at < now - done_keep),
                and_(StoredUpdate.status == "dead", StoredUpdate.received_at < retention)))))
            out.cleared = _count(await session.execute(
                update(StoredUpdate).where(StoredUpdate.status == "dead",
                                           func.coalesce(StoredUpdate.finished_at, StoredUpdate.received_at)
                                           < dead_payload, _not_purged())
                .values(payload={}, error=func.substr(func.coalesce(StoredUpdate.error, ""), 1, 230,
                                                      type_=String) + PURGED)
                .execution_options(synchronize_session=False)))
        if out.expired:
            log.error("telegram.updates_expired", count=out.expired, days=retention_days)
        return out

    async def count_dead(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(StoredUpdate)
                                            .where(StoredUpdate.status == "dead")) or 0)

    async def dead(self, limit: int = 50) -> list[DeadUpdate]:
        async with self.sessions() as session:
            rows = (await session.scalars(select(StoredUpdate).where(StoredUpdate.status == "dead")
                                          .order_by(StoredUpdate.update_id.desc()).limit(limit))).all()
        return [DeadUpdate(r.update_id, r.attempts, r.error, r.received_at, r.finished_at) for r in rows]

    async def requeue(self, update_ids: Collection[int] | None = None) -> int:
        """Give dead updates that still have their payload another round of attempts."""
        where = [StoredUpdate.status == "dead", _not_purged()]
        if update_ids is not None:
            where.append(StoredUpdate.update_id.in_(list(update_ids)))
        async with self._write() as session:
            return _count(await session.execute(update(StoredUpdate).where(*where).values(
                status="pending", attempts=0, claimed_at=None, next_attempt_at=None, finished_at=None)
                .execution_options(synchronize_session=False)))
