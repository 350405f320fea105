"""Operator accounts: argon2id password hashes, roles (operator, supervisor), teams.

argon2 is slow on purpose (about 0.1-0.4 s and 64 MiB per hash) and would stop the event loop,
and so the bot's replies, for that long: every hash and check runs in a small pool of worker
threads (argon2-cffi releases the GIL), and no database connection is held while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import os
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline_router.models import ConsoleSession, Operator

ROLES = ("operator", "supervisor", "editor")  # editor: the inbox and figures only
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# argon2 already uses 4 lanes per hash: one worker per 4 cores keeps a core for the loop.
HASH_WORKERS = max(1, (os.cpu_count() or 2) // 4)
HASH_NICE = 10
T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_pending = 0  # hashes queued or running (changed on the event loop only)


class AccountError(ValueError):
    pass


def hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Verified when the user name is unknown, so a wrong name takes as long as a wrong password."""
    return hasher().hash("not-a-real-password-0000")


def verify_password(stored_hash: str, password: str) -> bool:
    """The argon2 check itself (blocking: call it through `in_worker`)."""
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check(stored_hash: str | None, password: str) -> bool:
    return verify_password(stored_hash if stored_hash is not None else _dummy_hash(), password)


def pending_hashes() -> int:
    return _pending


def _lower_priority() -> None:
    """Hashing threads (and the lanes argon2 starts from them) yield the CPU to the event loop:
    on Linux the nice value is per thread and inherited."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICE)


async def in_worker(fn: Callable[..., T], *args: object) -> T:
    """Run blocking password work in the hashing pool, leaving the event loop free."""
    global _pool, _pending
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=HASH_WORKERS, thread_name_prefix="argon2",
                                   initializer=_lower_priority)
    _pending += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_pool, functools.partial(fn, *args))
    finally:
        _pending -= 1


async def hash_password(password: str) -> str:
    return await in_worker(hasher().hash, password)


async def get(session: AsyncSession, username: str) -> Operator | None:
    return await session.scalar(select(Operator).where(Operator.username == username.lower()))


async def add(session: AsyncSession, *, username: str, password: str, role: str = "operator",
              display_name: str = "", teams: Sequence[str] = ()) -> Operator:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise AccountError("user name: 2-64 of a-z, 0-9, dot, dash, underscore")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    if await get(session, username) is not None:
        raise AccountError(f"operator {username!r} already exists")
    op = Operator(username=username, display_name=display_name or username,
                  password_hash=await hash_password(password), role=role, teams=list(teams), active=True)
    session.add(op)
    await session.flush()
    return op


async def list_all(session: AsyncSession) -> list[Operator]:
    return list((await session.scalars(select(Operator).order_by(Operator.username))).all())


async def set_active(session: AsyncSession, username: str, active: bool) -> Operator:
    """Disabling ends every session of the account for good; so does re-enabling (a login
    that raced with the disabling cannot survive it): the operator logs in afresh."""
    op = await get(session, username)
    if op is None:
        raise AccountError(f"no operator {username!r}")
    if op.active != active or not active:
        await session.execute(delete(ConsoleSession).where(ConsoleSession.operator_id == op.id))
    op.active = active
    return op


async def authenticate(sessions: async_sessionmaker[AsyncSession], username: str,
                       password: str) -> int | None:
    """The id of the active operator with this password, or None (same work either way).

    The account is read in one short transaction and the password checked in a worker thread
    with no connection held, so a burst of logins cannot exhaust the connection pool."""
    async with sessions() as session:
        op = await get(session, username.strip())
        op_id, stored, active = (op.id, op.password_hash, op.active) if op else (None, None, False)
    if not await in_worker(_check, stored, password) or op_id is None or not active:
        return None
    assert stored is not None
    if hasher().check_needs_rehash(stored):  # parameters changed: store a fresh hash
        fresh = await hash_password(password)
        async with sessions.begin() as session:
            op = await session.get(Operator, op_id)
            if op is not None and op.password_hash == stored:
                op.password_hash = fresh
    return op_id


def touch(op: Operator, now: dt.datetime, every_s: int = 20) -> None:
    """Mark the operator online (written at most every few seconds, not on every poll)."""
    if op.last_seen_at is None or (now - op.last_seen_at).total_seconds() >= every_s:
        op.last_seen_at = now
