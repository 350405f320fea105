"""Webhook mode: an update is committed to the database before Telegram gets its 200, then
handled; a process killed in between leaves it `pending`, and a replay loop (in this or any
other process sharing the database) handles it later.

aiogram's `SimpleRequestHandler(handle_in_background=True)` acknowledges before handling and
would lose such an update. Behind several processes, the same update_id can arrive twice (a
redelivery after a timeout): Redis `SET NX` and the table's primary key both drop repeats.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.models import StoredUpdate

log = structlog.get_logger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RedisDedupe:
    """First sight of an update_id across every process (kept a day)."""

    def __init__(self, redis: Any, *, prefix: str = "hamroh:update", ttl_s: int = 86_400) -> None:
        self.redis, self.prefix, self.ttl_s = redis, prefix, ttl_s

    async def first(self, update_id: int) -> bool:
        return bool(await self.redis.set(f"{self.prefix}:{update_id}", 1, nx=True, ex=self.ttl_s))

    async def forget(self, update_id: int) -> None:
        await self.redis.delete(f"{self.prefix}:{update_id}")


class UpdateStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, lease_s: float = 60.0) -> None:
        self.sessions, self.lease_s = sessions, lease_s

    async def save(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Commit the update; False when it was already stored (a redelivery)."""
        try:
            async with self.sessions.begin() as session:
                session.add(StoredUpdate(update_id=update_id, payload=payload, status="pending",
                                         claimed_at=_now(), attempts=1))
        except IntegrityError:
            return False
        return True

    async def done(self, update_id: int) -> None:
        # The payload is the person's message: keep only the id (to spot redeliveries).
        async with self.sessions.begin() as session:
            await session.execute(update(StoredUpdate).where(StoredUpdate.update_id == update_id)
                                  .values(status="done", payload={}))

    async def claim_stale(self, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
        """Pending updates whose handler died (lease run out), claimed for this process."""
        now = _now()
        expired = now - dt.timedelta(seconds=self.lease_s)
        stale = or_(StoredUpdate.claimed_at.is_(None), StoredUpdate.claimed_at < expired)
        async with self.sessions() as session:
            rows = (await session.execute(
                select(StoredUpdate.update_id, StoredUpdate.payload)
                .where(StoredUpdate.status == "pending", stale)
                .order_by(StoredUpdate.update_id).limit(limit))).all()
        claimed = []
        for update_id, payload in rows:
            async with self.sessions.begin() as session:
                result = await session.execute(
                    update(StoredUpdate)
                    .where(StoredUpdate.update_id == update_id, StoredUpdate.status == "pending", stale)
                    .values(claimed_at=now, attempts=StoredUpdate.attempts + 1))
                if getattr(result, "rowcount", 0) == 1:
                    claimed.append((update_id, payload))
        return claimed

    async def purge(self, older_than: dt.timedelta = dt.timedelta(days=1)) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(StoredUpdate).where(
                StoredUpdate.status == "done", StoredUpdate.received_at < _now() - older_than))


class StoringRequestHandler(SimpleRequestHandler):
    """Secret check (401), store, acknowledge, then handle in the background."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, store: UpdateStore,
                 secret_token: str | None, dedupe: RedisDedupe | None = None, **data: Any) -> None:
        super().__init__(dispatcher, bot, handle_in_background=True, secret_token=secret_token, **data)
        self.store, self.dedupe = store, dedupe
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            payload = await request.json(loads=bot.session.json_loads)
            update_id = int(payload["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(body="Bad Request", status=400)
        if self.dedupe is not None and not await self.dedupe.first(update_id):
            return web.json_response({})
        try:
            fresh = await self.store.save(update_id, payload)
        except Exception:
            # Not stored: let Telegram redeliver it, and do not let the dedupe key hide it then.
            if self.dedupe is not None:
                await self.dedupe.forget(update_id)
            log.exception("webhook.store_failed", update_id=update_id)
            return web.Response(body="Store failed", status=500)
        if fresh:
            self.spawn(bot, update_id, payload)
        return web.json_response({})

    __call__ = handle

    def spawn(self, bot: Bot, update_id: int, payload: dict[str, Any]) -> None:
        task = asyncio.create_task(self._process(bot, update_id, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, bot: Bot, update_id: int, payload: dict[str, Any]) -> None:
        try:
            await self.dispatcher.feed_raw_update(bot=bot, update=payload, **self.data)
        except Exception:  # the error handler already told the person; keep serving
            log.exception("webhook.update_failed", update_id=update_id)
        await self.store.done(update_id)

    async def replay(self, bot: Bot) -> int:
        """Handle what a killed process left pending, oldest first."""
        claimed = await self.store.claim_stale()
        for update_id, payload in claimed:
            log.info("webhook.replay", update_id=update_id)
            await self._process(bot, update_id, payload)
        return len(claimed)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
