"""Console sessions, CSRF tokens, the console's secret key and the audit log.

A session is a random token in an HTTP-only cookie; the database keeps only its HMAC, so a
copy of the database does not let anyone in. The CSRF token of a form is an HMAC of the
session token: a page of another site cannot know it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.models import AuditEntry, ConsoleSession, Operator


class Keys:
    def __init__(self, secret: bytes | None = None) -> None:
        # Without a key, a random one: sessions then end with the process.
        self.secret = secret or secrets.token_bytes(32)

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def session_hash(self, token: str) -> str:
        return self._mac("session", token)

    def csrf(self, token: str) -> str:
        return self._mac("csrf", token)

    def csrf_ok(self, token: str, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf(token), str(submitted))


def load_or_create_secret(path: Path) -> bytes:
    """The key kept in `path`, generated the first time (mode 0600, in a 0700 folder).

    The file appears complete or not at all (written aside, then hard-linked into place), so
    two processes starting together end up with the same key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first: use its key
                os.link(aside, path)
        finally:
            aside.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ValueError(f"{path}: too short for a console secret key (delete it to get a new one)")
    return key.encode()


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
    if op is None or not op.active:
        await session.delete(row)  # a disabled account's sessions never come back
        return None
    return op


async def end_session(session: AsyncSession, keys: Keys, token: str | None) -> None:
    if token:
        await session.execute(delete(ConsoleSession).where(
            ConsoleSession.token_hash == keys.session_hash(token)))


def audit(session: AsyncSession, *, operator: Operator | None, action: str, now: dt.datetime,
          ip: str = "", case_id: int | None = None, username: str = "", **detail: Any) -> None:
    session.add(AuditEntry(at=now, operator_id=operator.id if operator else None,
                           username=(operator.username if operator else username)[:64],
                           action=action, case_id=case_id, ip=ip[:64], detail=detail))


async def recent_audit(session: AsyncSession, limit: int = 100) -> list[AuditEntry]:
    return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())
                                       .limit(limit))).all())
