"""Database engine, sessions and migrations.

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) works the same way through
`HAMROH_DATABASE__URL=postgresql+asyncpg://...`. Alembic applies the schema at start-up.

The engine is the storage boundary for what people write:
- bound parameters are never logged (`hide_parameters=True`, also in error messages), and SQL
  echo goes through the logging handler (`bot.logs`), never to stdout;
- a NUL character (PostgreSQL text cannot hold one, and a message with one was lost) is
  replaced by U+FFFD in every string parameter and every JSON value written, on both
  databases, in one place (`_without_nul`).

SQLite (WAL) has one writer and any number of readers. Concurrent writers would meet in
SQLite's busy handler, which sleeps in steps of up to 100 ms; instead every session of the
process takes one `WriteGate` at its first write (flush, or an INSERT/UPDATE/DELETE
statement) and gives it back when its transaction ends. Reads, the NLU and the handlers run
concurrently; only the writes queue, in the order they come.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.util import await_only

from bot.startup import StartupError, mask_url, reason

MIGRATIONS = Path(__file__).parent / "migrations"
NUL, REPLACEMENT = "\x00", "\ufffd"
CONNECT_TIMEOUT_S = 10


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def clean_text(value: Any) -> Any:
    """`value` with NUL replaced in every string inside it (dicts, lists, keys included);
    the same object when there is none (the usual case: looked for without copying)."""
    if not _has_nul(value):
        return value
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    return tuple(clean_text(v) for v in value)


def _json_dumps(value: Any) -> str:
    return json.dumps(clean_text(value))


def _without_nul(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                 _executemany: bool) -> tuple[str, Any]:
    """before_cursor_execute: the parameters as the driver gets them, NUL replaced."""
    if isinstance(parameters, list):
        return statement, [clean_text(p) for p in parameters]
    return statement, clean_text(parameters)


def make_engine(url: str, *, echo: bool = False, connect_args: dict[str, Any] | None = None) -> AsyncEngine:
    parsed = make_url(url)
    if echo:  # through the logging handler (redacted), never SQLAlchemy's own stdout handler
        logging.getLogger("sqlalchemy.engine.Engine").setLevel(logging.INFO)
    common: dict[str, Any] = {"hide_parameters": True, "json_serializer": _json_dumps}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **common)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the console read while the bot writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the
            # process loses nothing committed, a power cut may lose the last commits but never
            # corrupts the file (https://www.sqlite.org/pragma.html#pragma_synchronous). FULL
            # would pay an fsync per commit, three per Telegram update.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
    else:
        args = {"timeout": CONNECT_TIMEOUT_S, **(connect_args or {})} if parsed.get_backend_name() == \
            "postgresql" else (connect_args or {})
        engine = create_async_engine(url, connect_args=args, **common)
        _ping_when_idle(engine)
    event.listen(engine.sync_engine, "before_cursor_execute", _without_nul, retval=True)
    return engine


HELD_BY_SESSION = "hamroh_write_gate"  # session.info: True holds the gate, False nested in its holder


class WriteGate:
    """One writing transaction at a time in this process (SQLite). Taken from inside the
    session's own events (they run in SQLAlchemy's greenlet, where awaiting is allowed) and
    waited for as long as it takes, in order. A second session of the task that holds the
    gate does not wait for itself: it goes on to SQLite, whose busy timeout applies."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.owner: asyncio.Task[Any] | None = None
        self.waits = 0  # writers that had to queue, for tests and figures

    def _take(self, session: Session) -> None:
        if HELD_BY_SESSION in session.info:
            return
        task = asyncio.current_task()
        if self.lock.locked() and task is not None and task is self.owner:
            session.info[HELD_BY_SESSION] = False  # nested in the holder's task: do not deadlock
            return
        # The connection first: a holder that still had to wait for the pool could wait on
        # sessions that hold connections while they wait for the gate.
        session.connection()
        if self.lock.locked():
            self.waits += 1
        await_only(self.lock.acquire())
        self.owner = task
        session.info[HELD_BY_SESSION] = True

    def _before_flush(self, session: Session, _context: Any, _instances: Any) -> None:
        self._take(session)

    def _on_execute(self, state: ORMExecuteState) -> None:
        if not state.is_select:
            self._take(state.session)

    def _after_transaction_end(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and session.info.pop(HELD_BY_SESSION, False):
            self.owner = None
            self.lock.release()

    def session_class(self) -> type[Session]:
        cls = type("GatedSession", (Session,), {})
        event.listen(cls, "before_flush", self._before_flush)
        event.listen(cls, "do_orm_execute", self._on_execute)
        event.listen(cls, "after_transaction_end", self._after_transaction_end)
        return cls


IDLE_PING_S = 10.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """`pool_pre_ping` for connections that sat idle: a round trip on every checkout (three
    per Telegram update) costs more CPU than the update's own queries, while a connection
    checked in a moment ago is as good as a pinged one. One idle for `IDLE_PING_S` (the
    server may have restarted or dropped it) is pinged, and replaced if it does not answer."""
    sync = engine.sync_engine

    @event.listens_for(sync, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["hamroh_idle_since"] = time.monotonic()

    @event.listens_for(sync, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("hamroh_idle_since", None)
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return
        try:
            alive = sync.dialect.do_ping(dbapi_conn)
        except Exception as e:
            raise DisconnectionError(f"idle connection did not answer: {type(e).__name__}") from e
        if not alive:
            raise DisconnectionError("idle connection did not answer")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    if engine.dialect.name == "sqlite":
        gate = WriteGate()
        maker = async_sessionmaker(engine, expire_on_commit=False, sync_session_class=gate.session_class())
        maker.kw["info"] = {"write_gate": gate}
        return maker
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (applied automatically at start-up).

    A database that cannot be reached raises `StartupError` (one line, password masked).
    On SQLite foreign keys are off while the migrations run: a table rebuild (copy, drop,
    rename) must not cascade the drop into the rows that reference it; they are checked
    before the commit."""

    def _upgrade(conn: Connection) -> None:
        command.upgrade(alembic_config(conn), revision)

    await _run(engine, _upgrade)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    def _downgrade(conn: Connection) -> None:
        command.downgrade(alembic_config(conn), revision)

    await _run(engine, _downgrade)


async def _run(engine: AsyncEngine, fn: Any) -> None:
    sqlite = engine.dialect.name == "sqlite"
    try:
        conn = await engine.connect()
    except Exception as e:
        url = engine.url.render_as_string(hide_password=False)
        raise StartupError(f"cannot reach the database at {mask_url(url)}: "
                           f"{reason(e, secret=engine.url.password)}") from None
    try:
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside any transaction
            await conn.commit()
        try:
            await conn.run_sync(fn)
        except CommandError as e:  # e.g. a database migrated by a newer version of Hamroh
            raise StartupError(f"cannot migrate the database at {mask_url(str(engine.url))}: {e}") from None
        if sqlite:
            broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
            if broken:
                await conn.rollback()
                raise RuntimeError(f"migration left rows with a broken foreign key: {broken[:5]}")
        await conn.commit()
    finally:
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            await conn.commit()
        await conn.close()
