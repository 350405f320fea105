"""The Telegram and hotline side of the metrics, and the person hash in logs.

`instrument(services, tg)` (called by `bot.ops.health.start`) adds, without touching the
modules it observes:

- an update middleware, placed right after aiogram's own (inside the per-person event lock,
  before flood control): counts each update and its handling time (flood control, database,
  engine, commit and the replies sent), and binds `person=<keyed hash>` to every log line
  written while the update is handled;
- a Bot API request middleware: every request attempt by method and result;
- a counting wrapper around the hotline's senders (delivery failures by reason) and a notifier
  counting SLA breaches.

`refresh(services, tg)` reads what lives in the database (queue length and oldest wait per
team, the webhook backlog, dead updates) when /metrics is scraped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import structlog
from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TgUser
from redis.asyncio import Redis
from sqlalchemy import func, select

from bot.app import Services
from bot.ops import metrics
from bot.telegram.models import StoredUpdate
from hotline_router.models import Case
from hotline_router.relay import DeliveryResult, PartSender, Sender
from hotline_router.sla import Escalation

log = structlog.get_logger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
_PROCESS_KEY = os.urandom(16)
_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


class FloodLike(Protocol):
    @property
    def dropped(self) -> int: ...


class TelegramLike(Protocol):
    """What this module uses of `bot.telegram.factory.TelegramApp`."""

    @property
    def bot(self) -> Bot: ...
    @property
    def dp(self) -> Dispatcher: ...
    @property
    def flood(self) -> FloodLike: ...
    @property
    def redis(self) -> Redis | None: ...


def person_ref(transport: str, external_id: str | int, key: bytes | None = None) -> str:
    """A keyed hash of the person: the same in every process sharing the key, never their id.
    Letters only (a-p), so the log scrubber never mistakes it for a phone or document number."""
    mac = hashlib.blake2b(f"{transport}:{external_id}".encode(), key=key or _PROCESS_KEY, digest_size=8)
    return mac.hexdigest().translate(_DIGITS_TO_LETTERS)


def _kind(event: TelegramObject) -> str:
    if isinstance(event, Update):
        try:
            return event.event_type
        except Exception:  # an update type this aiogram does not know
            return "unknown"
    return type(event).__name__


class UpdateMetricsMiddleware(BaseMiddleware):
    def __init__(self, key: bytes | None = None) -> None:
        self.key = key

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = _kind(event)
        user: TgUser | None = data.get("event_from_user")
        person = person_ref("telegram", user.id, self.key) if user is not None and not user.is_bot else None
        started = time.perf_counter()
        result = "error"
        try:
            with structlog.contextvars.bound_contextvars(person=person):
                value = await handler(event, data)
            result = "ok"
            return value
        finally:
            metrics.UPDATES.labels(kind, result).inc()
            metrics.UPDATE_SECONDS.labels(kind).observe(time.perf_counter() - started)


def _result(error: BaseException) -> str:
    for kind, name in ((TelegramRetryAfter, "retry_after"), (TelegramForbiddenError, "forbidden"),
                       (TelegramBadRequest, "bad_request"), (TelegramNetworkError, "network"),
                       (TelegramServerError, "server_error")):
        if isinstance(error, kind):
            return name
    return "error"


class RequestMetricsMiddleware(BaseRequestMiddleware):
    """Innermost on the bot's session: each attempt, retries included."""

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        try:
            response = await make_request(bot, method)
        except Exception as e:
            metrics.TELEGRAM_REQUESTS.labels(method.__api_method__, _result(e)).inc()
            raise
        metrics.TELEGRAM_REQUESTS.labels(method.__api_method__, "ok").inc()
        return response


class CountingSender:
    """Wraps a hotline sender: every failed delivery attempt counted by reason."""

    def __init__(self, inner: Sender, transport: str) -> None:
        self.inner, self.transport = inner, transport

    def _count(self, result: DeliveryResult) -> DeliveryResult:
        if not result.ok:
            metrics.DELIVERY_FAILURES.labels(self.transport, metrics.delivery_reason(result.error)).inc()
        return result

    def parts(self, text: str) -> list[str]:
        return self.inner.parts(text) if isinstance(self.inner, PartSender) else [text]

    async def send_part(self, external_id: str, part: str) -> DeliveryResult:
        if isinstance(self.inner, PartSender):
            return self._count(await self.inner.send_part(external_id, part))
        return await self.send(external_id, part)

    async def send(self, external_id: str, text: str) -> DeliveryResult:
        return self._count(await self.inner.send(external_id, text))


class SlaBreachCounter:
    """A hotline notifier: one count per escalation (only the watcher that wins it notifies)."""

    async def notify(self, escalation: Escalation) -> None:
        metrics.SLA_BREACHES.labels(escalation.team, escalation.level).inc()


def _first_after(manager: Any, middleware: Any) -> None:
    """Register `middleware` after aiogram's own outer middlewares, before the project's."""
    ours = [m for m in manager if not type(m).__module__.startswith("aiogram.")]
    for m in ours:
        manager.unregister(m)
    manager.register(middleware)
    for m in ours:
        manager.register(m)


def instrument(services: Services, tg: TelegramLike, *, person_key: bytes | None = None) -> None:
    if not any(isinstance(m, UpdateMetricsMiddleware) for m in tg.dp.update.outer_middleware):
        _first_after(tg.dp.update.outer_middleware, UpdateMetricsMiddleware(person_key))
    if not any(isinstance(m, RequestMetricsMiddleware) for m in tg.bot.session.middleware):
        tg.bot.session.middleware(RequestMetricsMiddleware())
    hotline = services.hotline
    if hotline is not None:
        for transport in hotline.senders.transports():
            sender = hotline.senders.get(transport)
            if sender is not None and not isinstance(sender, CountingSender):
                hotline.senders.register(transport, CountingSender(sender, transport))
        if not any(isinstance(n, SlaBreachCounter) for n in hotline.notifiers):
            hotline.add_notifier(SlaBreachCounter())


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class Refresher:
    """What /metrics reads from the database and the running objects when it is scraped."""

    def __init__(self, services: Services, tg: TelegramLike | None) -> None:
        self.services, self.tg = services, tg
        self._flood_seen = 0

    async def refresh(self) -> None:
        s = self.services
        metrics.CONTENT_ANSWERS.set(len(s.content.content.answers))
        if self.tg is not None and (dropped := self.tg.flood.dropped) > self._flood_seen:
            metrics.FLOOD_DROPPED.inc(dropped - self._flood_seen)
            self._flood_seen = dropped
        async with s.sessions() as session:
            updates = dict((await session.execute(
                select(StoredUpdate.status, func.count()).where(StoredUpdate.status.in_(("pending", "dead")))
                .group_by(StoredUpdate.status))).all())
            queued = (await session.execute(
                select(Case.team, func.count(Case.id), func.min(Case.queued_at))
                .where(Case.status == "queued").group_by(Case.team))).all()
        metrics.WEBHOOK_BACKLOG.set(updates.get("pending", 0))
        metrics.UPDATES_DEAD.set(updates.get("dead", 0))
        if s.hotline is None:
            return
        now = _aware(s.hotline.clock())
        teams = {team.id for team in s.hotline.routing.teams} | {row[0] for row in queued}
        waiting = {team: (count, oldest) for team, count, oldest in queued}
        for team in sorted(teams):
            count, oldest = waiting.get(team, (0, None))
            metrics.QUEUE_LENGTH.labels(team).set(count)
            wait = (now - _aware(oldest)).total_seconds() if oldest is not None else 0.0
            metrics.QUEUE_WAIT.labels(team).set(max(0.0, wait))
