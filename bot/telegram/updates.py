"""Handling stored updates, for webhook and polling alike: each update is committed
(`UpdateStore.save`) before it is acknowledged, handled under a lease that a heartbeat renews
while the handler runs, marked done, or retried with backoff and dead-lettered.

- In flight means in flight: the heartbeat keeps the lease of every update this process is
  handling (a 429 with `retry_after` 75 may hold a handler longer than the 60 s lease), and
  the replay loop skips this process's own updates, whatever the database says.
- A failure is retried (`UpdateStore.failed`): the person hears the apology (the dispatcher's
  error handler) only on the last attempt or for a failure no retry can mend, not on each try.
- Input that is not a Telegram update (not JSON, nested deeper than `MAX_DEPTH`, no integer
  `update_id` in BIGINT range) is refused by `parse_update` before anything is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ErrorEvent, TelegramObject, Update
from pydantic import ValidationError

from bot.telegram.middlewares import DbSessionMiddleware
from bot.telegram.update_store import MAX_UPDATE_ID, Claimed, UpdateStore
from shared.loops import Waker

log = structlog.get_logger(__name__)
ATTEMPT_KEY = "update_attempt"
MAX_DEPTH = 64  # Telegram's updates nest about 10 deep
PERMANENT: tuple[type[BaseException], ...] = (ValidationError, TelegramBadRequest, TelegramForbiddenError)


class BadUpdate(ValueError):
    """The body is not a Telegram update: refused with 400, nothing stored."""


def _too_deep(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_update(body: str | bytes, loads: Callable[[Any], Any] = json.loads) -> tuple[int, dict[str, Any]]:
    try:
        payload = loads(body)
    except RecursionError as e:  # the JSON decoder's own depth guard (~1000 levels)
        raise BadUpdate("JSON nested too deep") from e
    except (ValueError, TypeError) as e:  # not JSON, not UTF-8, a number over 4300 digits
        raise BadUpdate("not JSON") from e
    if not isinstance(payload, dict):
        raise BadUpdate("not a JSON object")
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise BadUpdate("no integer update_id")
    if not 0 <= update_id <= MAX_UPDATE_ID:
        raise BadUpdate("update_id out of range")
    if _too_deep(payload, MAX_DEPTH):
        raise BadUpdate(f"JSON nested deeper than {MAX_DEPTH}")
    return update_id, payload


def describe(error: BaseException) -> str:
    """Type and first line: a database error's later lines quote the SQL parameters and a
    validation error's the input, that is the person's words (kept out of logs and the table)."""
    first = str(error).strip().split("\n", 1)[0]
    return f"{type(error).__name__}: {first}"[:250]


@dataclass
class Attempt:
    """Passed to the dispatcher with the update; the error gate records the failure here."""

    update_id: int
    number: int
    final: bool
    error: BaseException | None = None


class RetryGate(BaseMiddleware):
    """Outer middleware of the dispatcher's errors: a failure that will be retried is
    recorded and kept from the error handler (no apology for each try)."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        attempt = data.get(ATTEMPT_KEY)
        if isinstance(attempt, Attempt) and isinstance(event, ErrorEvent):
            attempt.error = event.exception
            if not attempt.final and not isinstance(event.exception, PERMANENT):
                log.warning("telegram.update_failed", update_id=attempt.update_id, attempt=attempt.number,
                            error=describe(event.exception))
                return True
        return await handler(event, data)


class UpdateProcessor:
    def __init__(self, dp: Dispatcher, store: UpdateStore, *, data: dict[str, Any] | None = None,
                 heartbeat_s: float | None = None, handle_timeout_s: float = 900.0) -> None:
        self.dp, self.store, self.data = dp, store, dict(data or {})
        self.heartbeat_s = heartbeat_s if heartbeat_s is not None else store.lease_s / 3
        self.handle_timeout_s = handle_timeout_s
        self.inflight: set[int] = set()
        self.replayed = 0  # counted for tests and logs
        self._tasks: set[asyncio.Task[None]] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        if not any(isinstance(m, RetryGate) for m in dp.errors.outer_middleware):
            dp.errors.outer_middleware(RetryGate())
        if store.gate is None:
            store.gate = next((m.gate for m in dp.update.outer_middleware
                               if isinstance(m, DbSessionMiddleware)), None)

    async def accept(self, bot: Bot, update_id: int, payload: dict[str, Any]) -> bool:
        """Store, then handle in the background; False for a redelivery (already stored).
        Raises when the store fails: the caller must not acknowledge the update."""
        return bool(await self.accept_many(bot, [(update_id, payload, None)]))

    async def accept_many(self, bot: Bot, updates: Sequence[tuple[int, dict[str, Any], Update | None]]) -> set[int]:
        """`accept` for a batch (polling: one transaction for a whole getUpdates answer). An
        update already parsed by the transport is handled as it is, not parsed again."""
        new = [u for u in dict((u[0], u) for u in updates).values() if u[0] not in self.inflight]
        ids = {update_id for update_id, _, _ in new}
        if not ids:  # every one of them is being handled here already (a redelivery)
            return set()
        self.inflight |= ids  # before the rows exist: the replay loop cannot take them
        try:
            fresh = await self.store.save_many([(update_id, payload) for update_id, payload, _ in new])
        finally:
            self.inflight -= ids
        for update_id, payload, parsed in new:
            if update_id in fresh:
                self.spawn(bot, Claimed(update_id, payload, 1, parsed))
        return fresh

    def spawn(self, bot: Bot, claimed: Claimed) -> None:
        if claimed.update_id in self.inflight:  # already handled here (claimed meanwhile)
            return
        self.inflight.add(claimed.update_id)
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._beat())
        task = asyncio.create_task(self._process(bot, claimed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            if not self.inflight:
                continue
            try:
                await self.store.renew(set(self.inflight))
            except Exception:  # the next beat may succeed; the lease is three beats long
                log.exception("telegram.heartbeat_failed", inflight=len(self.inflight))

    async def _process(self, bot: Bot, claimed: Claimed) -> None:
        attempt = Attempt(claimed.update_id, claimed.attempt, final=claimed.attempt >= self.store.max_attempts)
        try:
            try:
                async with asyncio.timeout(self.handle_timeout_s):
                    if isinstance(claimed.parsed, Update):
                        await self.dp.feed_update(bot, claimed.parsed, **self.data, **{ATTEMPT_KEY: attempt})
                    else:
                        await self.dp.feed_raw_update(bot=bot, update=claimed.payload, **self.data,
                                                      **{ATTEMPT_KEY: attempt})
            except Exception as e:  # not a Telegram update, the error handler failed, a timeout
                attempt.error = attempt.error or e
                if attempt.final or isinstance(e, PERMANENT):
                    log.exception("telegram.update_failed", update_id=claimed.update_id)
            await self._record(claimed, attempt)
        finally:
            self.inflight.discard(claimed.update_id)

    async def _record(self, claimed: Claimed, attempt: Attempt) -> None:
        # Done not recorded would mean an answer repeated after the lease: try a few times.
        for pause in (0.5, 2.0, 5.0, None):
            try:
                if attempt.error is None:
                    await self.store.done(claimed.update_id)
                else:
                    await self.store.failed(claimed.update_id, claimed.attempt, describe(attempt.error),
                                            permanent=isinstance(attempt.error, PERMANENT))
                return
            except Exception:
                log.exception("telegram.update_record_failed", update_id=claimed.update_id)
                if pause is None:
                    return  # the lease runs out and the update is handled again
                await asyncio.sleep(pause)

    async def replay(self, bot: Bot) -> int:
        """Handle what is due: left by a killed process (lease run out) or waiting for a retry.
        Never an update this process is handling."""
        claimed = await self.store.claim_stale(skip=self.inflight)  # the live set: checked per row
        for item in claimed:
            log.info("telegram.update_replay", update_id=item.update_id, attempt=item.attempt)
            self.spawn(bot, item)
        self.replayed += len(claimed)
        return len(claimed)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat


async def every(seconds: float, job: Callable[[], Awaitable[Any]], name: str) -> None:
    """Run `job` now and then every `seconds`; a failed round is logged, the next may succeed."""
    await Waker().loop(job, interval_s=seconds, name=name)
