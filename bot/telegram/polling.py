"""Polling mode with the same guarantees as webhooks: each update from `getUpdates` is
committed to `telegram_updates` (deduplicated by update_id; each answer of `getUpdates` in
one transaction) before the next `getUpdates` confirms it to Telegram, then handled by the
`UpdateProcessor` (lease with heartbeat, retries, dead letters); what a killed process left
is replayed at the next start.

aiogram's `start_polling` confirms an update (the next call's offset) as soon as its handling
task is created, so a crash could lose it; this loop replaces it in `hamroh serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import structlog
from aiogram import Bot
from aiogram.methods import GetUpdates

from bot.app import Services
from bot.telegram.factory import TelegramApp
from bot.telegram.update_store import UpdateStore
from bot.telegram.updates import UpdateProcessor, every

log = structlog.get_logger(__name__)


async def poll(bot: Bot, processor: UpdateProcessor, *, timeout_s: int = 30,
               allowed_updates: list[str] | None = None, backoff_max_s: float = 30.0) -> None:
    """Fetch, store, hand over; the offset moves past an update only once it is stored."""
    offset: int | None = None
    backoff = 0.5
    kwargs: dict[str, Any] = {}
    if bot.session.timeout:  # the long poll must not time out on our side first
        kwargs["request_timeout"] = int(bot.session.timeout + timeout_s)
    while True:
        try:
            updates = await bot(GetUpdates(offset=offset, timeout=timeout_s, allowed_updates=allowed_updates),
                                **kwargs)
            if updates:  # one transaction for the lot; redeliveries (seen before) are skipped
                await processor.accept_many(bot, [
                    (u.update_id, u.model_dump(mode="json", by_alias=True, exclude_none=True), u)
                    for u in updates])
                offset = updates[-1].update_id + 1
        except asyncio.CancelledError:
            raise
        except Exception as e:  # Telegram unreachable or the database down: try again
            log.error("telegram.polling_failed", error=f"{type(e).__name__}: {e}"[:250], retry_in_s=backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff_max_s, backoff * 2)
            continue
        backoff = 0.5


@contextlib.asynccontextmanager
async def polling_mode(tg: TelegramApp, services: Services, *, lease_s: float = 60.0,
                       replay_every_s: float = 15.0) -> AsyncIterator[UpdateProcessor]:
    """Poll, handle, and replay what is due, until the block exits."""
    store = UpdateStore(services.sessions, lease_s=lease_s)
    processor = UpdateProcessor(tg.dp, store)
    await tg.bot.delete_webhook(drop_pending_updates=False)
    polling = asyncio.create_task(poll(tg.bot, processor, timeout_s=services.settings.telegram.polling_timeout_s,
                                       allowed_updates=tg.dp.resolve_used_update_types()))
    replay = asyncio.create_task(every(replay_every_s, lambda: processor.replay(tg.bot), "telegram-replay"))
    log.info("telegram.polling")
    try:
        yield processor
    finally:
        for task in (polling, replay):
            task.cancel()
        await asyncio.gather(polling, replay, return_exceptions=True)
        await processor.close()
