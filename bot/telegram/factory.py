"""The Telegram parts: the bot with its delivery middleware, the dispatcher, the FSM storage,
the error handler and the case card. `bot.composition.build_telegram` puts them together
with the services (and connects the forum and the sender to the hotline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import structlog
from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import ErrorEvent
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Catalogs
from bot.settings import TelegramSettings
from bot.storage import repo
from bot.telegram.delivery import DeliveryMiddleware
from bot.telegram.flood import FloodLimiter, MemoryFloodLimiter, RedisFloodLimiter
from bot.telegram.forum import ForumRelay, OperatorsChat
from bot.telegram.http import bot_session
from bot.telegram.middlewares import (
    DbSessionMiddleware,
    FloodControlMiddleware,
    LangMemo,
    PersonMiddleware,
)
from bot.telegram.sender import TelegramSender
from hotline_router.models import Case
from nlu.languages import Lang

log = structlog.get_logger(__name__)
APOLOGY = ("Кечирасиз, хатогӣ рӯй дод. Лутфан боз кӯшиш кунед.\n"
           "Извините, произошла ошибка. Пожалуйста, попробуйте ещё раз.\n"
           "Kechirasiz, xatolik yuz berdi. Iltimos, qayta urinib ko‘ring.")


def make_bot(settings: TelegramSettings, *, session: BaseSession | None = None) -> Bot:
    """aiogram's Bot with the delivery middleware (pacing, retry_after, network retries)."""
    if settings.token is None:
        raise ValueError("HAMROH_TELEGRAM__TOKEN is not set")
    if session is None:
        session = bot_session(settings.api_base)
    session.middleware(DeliveryMiddleware.from_settings(settings))
    return Bot(settings.token.get_secret_value(), session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True))


@dataclass
class TelegramApp:
    bot: Bot
    dp: Dispatcher
    operators: OperatorsChat
    forum: ForumRelay | None
    sender: TelegramSender
    flood: FloodControlMiddleware
    i18n: Catalogs  # the one i18n stack (bot.i18n), for setMyCommands
    redis: Redis | None = None

    @property
    def delivery(self) -> DeliveryMiddleware:
        return next(m for m in self.bot.session.middleware if isinstance(m, DeliveryMiddleware))


async def describe_case(sessions: async_sessionmaker[AsyncSession], case_id: int) -> str:
    """The card at the top of a case's topic: level, language, indicators; no message text."""
    async with sessions() as session:
        case = await session.get(Case, case_id)
    if case is None:
        return f"Case #{case_id}"
    indicators = ", ".join(case.indicators) or "none"
    return (f"<b>Case #{case.id}</b> · risk: {case.level} · language: {case.lang} · team: {case.team}\n"
            f"Indicators: {indicators}\nClaim it here or in the console; reply in this topic to "
            f"write to the person.")


async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    """Log, and tell the person something went wrong rather than stay silent."""
    log.error("telegram.handler_failed", error=repr(event.exception), update=event.update.update_id)
    msg = event.update.message or (event.update.callback_query.message if event.update.callback_query else None)
    if msg is not None and msg.chat.type == "private":
        try:
            await bot.send_message(msg.chat.id, APOLOGY, parse_mode=None)
        except Exception as e:  # an apology that fails must not raise again
            log.warning("telegram.apology_failed", error=str(e))
    return True


def fsm_storage(redis: Redis | None, *, key_prefix: str) -> tuple[BaseStorage, BaseEventIsolation]:
    """Conversation state and per-person event isolation: in Redis when configured (several
    processes behind one webhook), else in memory."""
    if redis is None:
        return MemoryStorage(), SimpleEventIsolation()
    storage = RedisStorage(redis, key_builder=DefaultKeyBuilder(prefix=f"{key_prefix}:fsm", with_bot_id=True))
    return storage, storage.create_isolation()


def flood_limiter(settings: TelegramSettings, redis: Redis | None, *, key_prefix: str) -> FloodLimiter:
    """Per-person token buckets: shared in Redis when configured, else in this process."""
    if redis is None:
        return MemoryFloodLimiter(burst=settings.flood_burst, per_minute=settings.flood_per_minute)
    return RedisFloodLimiter(redis, burst=settings.flood_burst, per_minute=settings.flood_per_minute,
                             prefix=f"{key_prefix}:flood")


def update_middlewares(limiter: FloodLimiter, sessions: async_sessionmaker[AsyncSession], catalogs: Catalogs,
                       default_lang: Lang, *, person_extras: repo.Extras | None = None,
                       ) -> tuple[FloodControlMiddleware, DbSessionMiddleware, PersonMiddleware]:
    """The outer middlewares in their order (see bot.telegram.middlewares): flood control
    (no database work), the database session, the person (and their language, and what
    `person_extras` reads along: the open case)."""
    langs = LangMemo()
    return (FloodControlMiddleware(limiter, catalogs=catalogs, default_lang=default_lang, langs=langs),
            DbSessionMiddleware(sessions), PersonMiddleware(catalogs, default_lang, langs, extras=person_extras))


def build_dispatcher(*, storage: tuple[BaseStorage, BaseEventIsolation], middlewares: Sequence[BaseMiddleware],
                     routers: Sequence[Router], dependencies: Mapping[str, object]) -> Dispatcher:
    """The dispatcher: outer middlewares in order, the error handler, the routers, and the
    dependencies aiogram hands to each handler by parameter name (its workflow data)."""
    # Event isolation: one person's updates are handled one at a time, in order.
    dp = Dispatcher(storage=storage[0], events_isolation=storage[1])
    dp.workflow_data.update(dependencies)
    for mw in middlewares:
        dp.update.outer_middleware(mw)
    dp.errors.register(on_error)
    dp.include_routers(*routers)
    return dp
