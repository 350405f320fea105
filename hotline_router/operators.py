"""Operator accounts: argon2id password hashes, roles (operator, supervisor), teams."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.models import Operator

ROLES = ("operator", "supervisor")
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ValueError):
    pass


def hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Verified when the user name is unknown, so a wrong name takes as long as a wrong password."""
    return hasher().hash("not-a-real-password-0000")


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
                  password_hash=hasher().hash(password), role=role, teams=list(teams), active=True)
    session.add(op)
    await session.flush()
    return op


async def list_all(session: AsyncSession) -> list[Operator]:
    return list((await session.scalars(select(Operator).order_by(Operator.username))).all())


async def set_active(session: AsyncSession, username: str, active: bool) -> Operator:
    op = await get(session, username)
    if op is None:
        raise AccountError(f"no operator {username!r}")
    op.active = active
    return op


async def authenticate(session: AsyncSession, username: str, password: str) -> Operator | None:
    """The active operator with this password, or None (same work either way)."""
    op = await get(session, username.strip())
    ph = hasher()
    try:
        ph.verify(op.password_hash if op else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if op is None or not op.active:
        return None
    if ph.check_needs_rehash(op.password_hash):
        op.password_hash = ph.hash(password)
    return op


def touch(op: Operator, now: dt.datetime, every_s: int = 20) -> None:
    """Mark the operator online (written at most every few seconds, not on every poll)."""
    if op.last_seen_at is None or (now - op.last_seen_at).total_seconds() >= every_s:
        op.last_seen_at = now
