"""Build the Telegram side from the services: bot, dispatcher with its middlewares and
routers, the operators' forum, and the hotline's Telegram sender and notifier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import ErrorEvent

from bot.app import Services
from bot.i18n import Catalogs
from bot.settings import TelegramSettings
from bot.telegram.delivery import DeliveryMiddleware
from bot.telegram.flood import FloodLimiter, MemoryFloodLimiter, RedisFloodLimiter
from bot.telegram.forum import ForumRelay, OperatorsChat
from bot.telegram.middlewares import (
    DbSessionMiddleware,
    FloodControlMiddleware,
    LangMemo,
    PersonMiddleware,
)
from bot.telegram.routers import get_routers
from bot.telegram.sender import TelegramSender

log = structlog.get_logger(__name__)
APOLOGY = ("Кечирасиз, хатогӣ рӯй дод. Лутфан боз кӯшиш кунед.\n"
           "Извините, произошла ошибка. Пожалуйста, попробуйте ещё раз.\n"
           "Kechirasiz, xatolik yuz berdi. Iltimos, qayta urinib ko‘ring.")


def make_bot(settings: TelegramSettings, *, session: BaseSession | None = None) -> Bot:
    """aiogram's Bot with the delivery middleware (pacing, retry_after, network retries)."""
    if settings.token is None:
        raise ValueError("HAMROH_TELEGRAM__TOKEN is not set")
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base)) if settings.api_base \
            else AiohttpSession()
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
    redis: Any | None = None

    @property
    def delivery(self) -> DeliveryMiddleware:
        return next(m for m in self.bot.session.middleware if isinstance(m, DeliveryMiddleware))


async def _describe_case(services: Services, case_id: int) -> str:
    """The card at the top of a case's topic: level, language, indicators; no message text."""
    from hotline_router.models import Case

    async with services.sessions() as session:
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


def build_dispatcher(services: Services, *, i18n: Catalogs, limiter: FloodLimiter, operators: OperatorsChat,
                     forum: ForumRelay | None, redis: Any | None) -> tuple[Dispatcher, FloodControlMiddleware]:
    if redis is not None:
        prefix = f"{services.settings.redis.key_prefix}:fsm"
        storage: Any = RedisStorage(redis, key_builder=DefaultKeyBuilder(prefix=prefix, with_bot_id=True))
        isolation: Any = storage.create_isolation()
    else:
        storage, isolation = MemoryStorage(), SimpleEventIsolation()
    # Event isolation: one person's updates are handled one at a time, in order.
    dp = Dispatcher(storage=storage, events_isolation=isolation)
    operations = None
    if services.hotline is not None:
        from hotline_router.operations import Operations

        operations = Operations(services.hotline)
    dp["services"], dp["forum"], dp["operations"] = services, forum, operations
    # Flood control before any database work; on SQLite the sessions gate their own writes.
    langs, default_lang = LangMemo(), services.settings.default_lang
    flood = FloodControlMiddleware(limiter, catalogs=i18n, default_lang=default_lang, langs=langs)
    for mw in (flood, DbSessionMiddleware(services.sessions), PersonMiddleware(i18n, default_lang, langs)):
        dp.update.outer_middleware(mw)
    dp.errors.register(on_error)
    dp.include_routers(*get_routers(services.settings, operators))
    return dp, flood


def build_telegram(services: Services, *, bot: Bot | None = None, redis: Any | None = None) -> TelegramApp:
    s = services.settings.telegram
    bot = bot or make_bot(s)
    i18n = services.catalogs
    limiter: FloodLimiter = MemoryFloodLimiter(burst=s.flood_burst, per_minute=s.flood_per_minute)
    if redis is not None:
        limiter = RedisFloodLimiter(redis, burst=s.flood_burst, per_minute=s.flood_per_minute,
                                    prefix=f"{services.settings.redis.key_prefix}:flood")
    operators = OperatorsChat(s.operators_chat_id)
    forum = None
    if s.operators_chat_id is not None and services.hotline is not None:
        forum = ForumRelay(bot, services.sessions, operators,
                           describe=lambda case_id: _describe_case(services, case_id))
        # Claims, transfers, closes and console replies show in the case's topic.
        services.hotline.events.subscribe(forum.on_case_change)
    dp, flood = build_dispatcher(services, i18n=i18n, limiter=limiter, operators=operators, forum=forum,
                                 redis=redis)
    sender = TelegramSender(bot, forum=forum, sessions=services.sessions)
    if services.hotline is not None:
        services.hotline.senders.register("telegram", sender)
        chat_id = services.hotline.settings.supervisor_chat_id
        if chat_id is not None:
            from hotline_router.sla import ChatNotifier

            services.hotline.add_notifier(ChatNotifier(sender.send_to_chat, chat_id))
    return TelegramApp(bot=bot, dp=dp, operators=operators, forum=forum, sender=sender, flood=flood,
                       i18n=i18n, redis=redis)
