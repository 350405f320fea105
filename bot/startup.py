"""Start-up checks: every configured service is tried once before anything else starts, and a
failure is one clear line on stderr (`hamroh: ...`) with exit code 2, not a traceback.

`preflight` checks the Bot API token's format, the database (reachable; `migrate` then brings
the schema to head) and Redis when configured. `bot.storage.db.migrate` raises `StartupError`
too, so every command that opens the database fails the same way.
"""

from __future__ import annotations

import asyncio
import errno
import re
import socket
from collections.abc import Iterator

import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from bot.settings import Settings

# Telegram's tokens: the bot id, a colon, 35 characters of [A-Za-z0-9_-] (checked loosely).
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
CHECK_TIMEOUT_S = 10.0


class StartupError(Exception):
    """A configured service is unusable; the message is the one line the person reads."""


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [x for x in (getattr(e, "orig", None), e.__cause__, e.__context__) if isinstance(x, BaseException)]
        todo += [x for x in getattr(e, "exceptions", ()) if isinstance(x, BaseException)]


def reason(exc: BaseException, *, secret: str | None = None) -> str:
    """A short, plain reason for a connection failure (no password, one line)."""
    for e in _chain(exc):
        if isinstance(e, ConnectionRefusedError) or (isinstance(e, OSError) and e.errno == errno.ECONNREFUSED):
            return "connection refused"
        if isinstance(e, socket.gaierror):
            return "unknown host"
        if isinstance(e, TimeoutError | asyncio.TimeoutError):
            return "timed out"
    text = ""
    for e in _chain(exc):
        text = str(e).strip()
        if text:
            break
    text = text or type(exc).__name__
    if "Connect call failed" in text or "Connection refused" in text:
        return "connection refused"
    line = text.splitlines()[0]
    line = re.sub(r"\(Background on this error.*", "", line).strip()
    line = re.sub(r"^\([\w.]+\)\s*", "", line)  # SQLAlchemy's "(module.Error) " prefix
    if secret:
        line = line.replace(secret, "***")
    return line[:200]


def check_token(settings: Settings) -> None:
    tg = settings.telegram
    if tg.token is None:
        return
    if not TOKEN_RE.match(tg.token.get_secret_value().strip()):
        raise StartupError("HAMROH_TELEGRAM__TOKEN does not look like a Bot API token "
                           "(123456789:AA... from @BotFather)")


async def check_database(url: str) -> None:
    """Connect once and run SELECT 1."""
    from bot.storage.db import make_engine  # here: bot.storage.db imports StartupError from this module

    try:
        engine = make_engine(url)
    except Exception as e:
        raise StartupError(f"invalid database URL {mask_url(url)}: {reason(e)}") from None
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
    except Exception as e:
        raise StartupError(f"cannot reach the database at {mask_url(url)}: "
                           f"{reason(e, secret=_password(url))}") from None
    finally:
        await engine.dispose()


def _password(url: str) -> str | None:
    try:
        return make_url(url).password or None
    except Exception:
        return None


async def check_redis(url: str) -> None:
    try:
        client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S)
    except Exception as e:
        raise StartupError(f"invalid Redis URL {mask_url(url)}: {reason(e)}") from None
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S + 1):
            await client.ping()
    except Exception as e:
        raise StartupError(f"cannot reach Redis at {mask_url(url)}: {reason(e, secret=_password(url))}") from None
    finally:
        await client.aclose()


async def preflight(settings: Settings, *, database: bool = True, redis: bool = True,
                    token: bool = True) -> None:
    """Every configured service, cheapest first; the first failure raises `StartupError`."""
    if token:
        check_token(settings)
    if database:
        await check_database(settings.database.url)
    if redis and settings.redis.url:
        await check_redis(settings.redis.url)
