"""Outgoing requests within Telegram's limits, and retried when Telegram asks us to wait.

Telegram allows about 1 message/s per chat (short bursts pass), 20/min per group and about
30/s per bot overall; past that it answers 429 with `retry_after`, and aiogram raises
`TelegramRetryAfter` without retrying. `DeliveryMiddleware` paces every sending method with
token buckets (shared.ratelimit), honours `retry_after` (holding that chat meanwhile) and retries network and
server errors with exponential backoff.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import structlog
from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.settings import TelegramSettings
from shared.ratelimit import Buckets, TokenBucket

log = structlog.get_logger(__name__)

# Methods that put a message into a chat count against the chat and global limits.
SENDING = frozenset({
    "sendMessage", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages",
    "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "sendAudio", "sendSticker",
    "sendAnimation", "sendVideoNote", "sendLocation", "sendContact", "sendMediaGroup",
    "editMessageText", "editMessageReplyMarkup",
})


class Pacer:
    """Per-chat and global token buckets (shared.ratelimit; in this process, see
    docs/telegram.md for several)."""

    def __init__(self, *, chat_per_s: float, chat_burst: int, group_per_min: float,
                 global_per_s: float) -> None:
        self.chats = Buckets(chat_per_s, chat_burst, max_keys=50_000) if chat_per_s else None
        self.groups = Buckets(group_per_min / 60.0, chat_burst, max_keys=50_000) if group_per_min else None
        self.global_bucket = TokenBucket(global_per_s, max(1.0, global_per_s)) if global_per_s else None

    @classmethod
    def from_settings(cls, s: TelegramSettings) -> Pacer:
        return cls(chat_per_s=s.pace_chat_per_s, chat_burst=s.pace_chat_burst,
                   group_per_min=s.pace_group_per_min, global_per_s=s.pace_global_per_s)

    def _bucket(self, chat_id: int | str) -> TokenBucket | None:
        is_group = isinstance(chat_id, str) or chat_id < 0
        buckets = self.groups if is_group else self.chats
        return None if buckets is None else buckets.get(chat_id, time.monotonic())

    async def wait(self, chat_id: int | str | None) -> None:
        if chat_id is not None and (bucket := self._bucket(chat_id)) is not None:
            await bucket.take()
        if self.global_bucket is not None:
            await self.global_bucket.take()

    def hold(self, chat_id: int | str | None, seconds: float) -> None:
        if chat_id is not None and (bucket := self._bucket(chat_id)) is not None:
            bucket.hold(seconds)


# aiogram parses every answer with `Response[method.__returning__]`, a pydantic generic that
# pydantic caches only weakly: once the garbage collector has dropped it, the next request
# builds its schema again (milliseconds each, most of the CPU of a reply under load). Held
# here for good, one per return type (a few dozen at most).
_RESPONSE_TYPES: dict[Any, Any] = {}


def keep_response_type(method: TelegramMethod[Any]) -> None:
    returning = method.__returning__
    if returning not in _RESPONSE_TYPES:
        _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]


def _chat_id(method: TelegramMethod[Any]) -> int | str | None:
    value = getattr(method, "chat_id", None)
    return value if isinstance(value, int | str) else None


class DeliveryMiddleware(BaseRequestMiddleware):
    def __init__(self, pacer: Pacer | None, *, max_retries: int = 5, max_retry_after_s: float = 120.0,
                 backoff_base_s: float = 0.5, backoff_max_s: float = 30.0) -> None:
        self.pacer = pacer
        self.max_retries = max_retries
        self.max_retry_after_s = max_retry_after_s
        self.backoff_base_s, self.backoff_max_s = backoff_base_s, backoff_max_s
        self.retries = 0  # counted for tests and logs

    @classmethod
    def from_settings(cls, s: TelegramSettings) -> DeliveryMiddleware:
        return cls(Pacer.from_settings(s), max_retries=s.max_retries,
                   max_retry_after_s=s.max_retry_after_s)

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_max_s, self.backoff_base_s * 2 ** attempt)
        return delay * (0.5 + random.random() / 2)  # jitter so workers do not retry in step

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        keep_response_type(method)
        if method.__api_method__ == GetUpdates.__api_method__:  # polling has its own backoff
            return await make_request(bot, method)
        chat_id = _chat_id(method)
        paced = self.pacer is not None and method.__api_method__ in SENDING
        attempt = 0
        while True:
            if paced and self.pacer is not None:
                await self.pacer.wait(chat_id)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as e:
                if attempt >= self.max_retries or e.retry_after > self.max_retry_after_s:
                    raise
                log.warning("telegram.retry_after", method=method.__api_method__,
                            retry_after=e.retry_after, attempt=attempt)
                if self.pacer is not None:
                    self.pacer.hold(chat_id, e.retry_after)
                await asyncio.sleep(e.retry_after)
            except (TelegramNetworkError, TelegramServerError, RestartingTelegram) as e:
                if attempt >= self.max_retries:
                    raise
                delay = self._backoff(attempt)
                log.warning("telegram.retry_network", method=method.__api_method__, error=str(e),
                            delay=round(delay, 2), attempt=attempt)
                await asyncio.sleep(delay)
            attempt += 1
            self.retries += 1
