"""Webhook mode: an update is committed to the database before Telegram gets its 200, then
handled (bot.telegram.updates: a lease renewed by a heartbeat, retries with backoff, dead
letters); a process killed in between leaves it `pending`, and a replay loop (in this or any
other process sharing the database) handles it later.

aiogram's `SimpleRequestHandler(handle_in_background=True)` acknowledges before handling and
would lose such an update. Behind several processes, the same update_id can arrive twice (a
redelivery after a timeout): Redis `SET NX` and the table's primary key both drop repeats.

A body that is not a Telegram update (not JSON, nested deeper than 64 levels, no integer
`update_id` in BIGINT range) gets **400** and is not stored. Telegram itself never sends such
a body, so whoever does (a misconfigured proxy, someone holding the secret) is told plainly;
a 200 would hide it, a 500 would say we are broken and have it retried. An update that is
well formed but that aiogram cannot read is stored and answered 200, then dead-lettered:
Telegram would only redeliver it.
"""

from __future__ import annotations

from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.telegram.update_store import UpdateStore
from bot.telegram.updates import BadUpdate, UpdateProcessor, parse_update

log = structlog.get_logger(__name__)


class RedisDedupe:
    """First sight of an update_id across every process (kept a day)."""

    def __init__(self, redis: Any, *, prefix: str = "hamroh:update", ttl_s: int = 86_400) -> None:
        self.redis, self.prefix, self.ttl_s = redis, prefix, ttl_s

    async def first(self, update_id: int) -> bool:
        return bool(await self.redis.set(f"{self.prefix}:{update_id}", 1, nx=True, ex=self.ttl_s))

    async def forget(self, update_id: int) -> None:
        await self.redis.delete(f"{self.prefix}:{update_id}")


class StoringRequestHandler(SimpleRequestHandler):
    """Secret check (401), parse (400), store, acknowledge, then handle in the background."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, store: UpdateStore,
                 secret_token: str | None, dedupe: RedisDedupe | None = None,
                 heartbeat_s: float | None = None, **data: Any) -> None:
        super().__init__(dispatcher, bot, handle_in_background=True, secret_token=secret_token, **data)
        self.store, self.dedupe = store, dedupe
        self.processor = UpdateProcessor(dispatcher, store, data=self.data, heartbeat_s=heartbeat_s)
        self.refused = 0  # bodies answered 400, counted for tests and logs

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            update_id, payload = parse_update(await request.read(), bot.session.json_loads)
        except BadUpdate as e:
            self.refused += 1
            log.warning("webhook.bad_request", reason=str(e), size=request.content_length)
            return web.Response(text=f"Bad Request: {e}", status=400)
        if self.dedupe is not None and not await self.dedupe.first(update_id):
            return web.json_response({})
        try:
            await self.processor.accept(bot, update_id, payload)
        except Exception:
            # Not stored: let Telegram redeliver it, and do not let the dedupe key hide it then.
            if self.dedupe is not None:
                await self.dedupe.forget(update_id)
            log.exception("webhook.store_failed", update_id=update_id)
            return web.Response(body="Store failed", status=500)
        return web.json_response({})

    __call__ = handle

    async def replay(self, bot: Bot) -> int:
        """Handle what a killed process left pending and what waits for a retry."""
        return await self.processor.replay(bot)

    async def drain(self) -> None:
        await self.processor.drain()

    async def close(self) -> None:
        await self.processor.close()
