"""Console sessions, CSRF tokens, the login rate limit and the audit log.

A session is a random token in an HTTP-only cookie; the database keeps only its HMAC, so a
copy of the database does not let anyone in. The CSRF token of a form is an HMAC of the
session token: a page of another site cannot know it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.models import AuditEntry, ConsoleSession, Operator


class Keys:
    def __init__(self, secret: bytes | None = None) -> None:
        # Without a configured key, a random one: sessions then end with the process.
        self.secret = secret or secrets.token_bytes(32)

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def session_hash(self, token: str) -> str:
        return self._mac("session", token)

    def csrf(self, token: str) -> str:
        return self._mac("csrf", token)

    def csrf_ok(self, token: str, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf(token), str(submitted))


async def start_session(session: AsyncSession, keys: Keys, operator: Operator, *, ttl_s: int,
                        now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=keys.session_hash(token), operator_id=operator.id,
                               created_at=now, expires_at=now + dt.timedelta(seconds=ttl_s)))
    # Expired sessions are cleaned up as new ones start.
    await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    return token


async def resolve(session: AsyncSession, keys: Keys, token: str | None,
                  now: dt.datetime) -> Operator | None:
    if not token or len(token) > 200:
        return None
    row = await session.scalar(select(ConsoleSession).where(
        ConsoleSession.token_hash == keys.session_hash(token)))
    if row is None or row.expires_at <= now:
        return None
    op = await session.get(Operator, row.operator_id)
    return op if op is not None and op.active else None


async def end_session(session: AsyncSession, keys: Keys, token: str | None) -> None:
    if token:
        await session.execute(delete(ConsoleSession).where(
            ConsoleSession.token_hash == keys.session_hash(token)))


class RateLimiter:
    """At most `limit` failed attempts per key within `window_s` (kept in memory: a restart
    forgives, which is acceptable for a console bound to 127.0.0.1 by default)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        cutoff = self.clock() - self.window_s
        while hits and hits[0] < cutoff:
            hits.popleft()
        return hits

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(k)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        for k in keys:
            self._recent(k).append(self.clock())
        if len(self._hits) > 10_000:  # bounded memory under a spray of names
            self._hits = {k: v for k, v in self._hits.items() if self._recent(k)}

    def reset(self, *keys: str) -> None:
        for k in keys:
            self._hits.pop(k, None)


def audit(session: AsyncSession, *, operator: Operator | None, action: str, now: dt.datetime,
          ip: str = "", case_id: int | None = None, username: str = "", **detail: Any) -> None:
    session.add(AuditEntry(at=now, operator_id=operator.id if operator else None,
                           username=(operator.username if operator else username)[:64],
                           action=action, case_id=case_id, ip=ip[:64], detail=detail))


async def recent_audit(session: AsyncSession, limit: int = 100) -> list[AuditEntry]:
    return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())
                                       .limit(limit))).all())
