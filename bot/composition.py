"""The composition root: every long-lived object of Hamroh is built here, and only here.

Read top to bottom, this module is the table of contents of the system:

1. the dialogue core -> `Services` (bot.app): the content store, the understander (NLU and
   risk detection; trained in a worker thread at the first start), the gettext catalogs, the
   database, the hotline queue, the engine's handoff port and the engine;
2. the hotline's runtime -> `HotlineRuntime`: SLA watcher, outbox delivery, operator console;
3. the Telegram side -> `TelegramApp`: bot, dispatcher (middlewares, routers, and the narrow
   dependencies each handler receives by name), the operators' forum, and the hotline's
   Telegram sender and supervisors' notifier.

The entry points (bot.cli.commands, bot.telegram.serve) call these and run what they get;
nothing is built at import time, and no handler sees `Services`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Mapping

from aiogram import Bot
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import Services
from bot.campaigns.pacing import Budget
from bot.campaigns.sender import CampaignSender
from bot.campaigns.service import Campaigns, Scheduler, topic_title
from bot.content.store import ContentStore
from bot.engine.engine import Engine
from bot.engine.handoff import HandoffPort, RecordingHandoff, person_extras
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from bot.inbox.capture import InboxCapture
from bot.inbox.desk import InboxDesk
from bot.reminders.service import Reminders
from bot.reminders.worker import ReminderWorker
from bot.settings import Settings
from bot.storage.db import make_engine, make_sessionmaker, migrate
from bot.telegram.campaign_transport import TelegramCampaignTransport, campaign_bot, headroom
from bot.telegram.dialogue import Dialogue
from bot.telegram.factory import (
    TelegramApp,
    build_dispatcher,
    describe_case,
    flood_limiter,
    fsm_storage,
    make_bot,
    update_middlewares,
)
from bot.telegram.forum import ForumRelay, OperatorsChat
from bot.telegram.reminder_buttons import TelegramNoticeSender, with_remind_button
from bot.telegram.routers import get_routers
from bot.telegram.sender import TelegramSender
from hotline_router.console import campaigns as campaign_pages
from hotline_router.console import inbox as inbox_pages
from hotline_router.operations import Operations
from hotline_router.routing import load_routing
from hotline_router.runtime import HotlineRuntime
from hotline_router.service import Hotline, HotlineHandoff
from hotline_router.sla import ChatNotifier
from nlu.risk.detector import RiskDetector
from nlu.risk.situation_model import load_or_train as load_situations
from nlu.service import build_nlu

# -- 1. the dialogue core ----------------------------------------------------------------------


def build_risk(settings: Settings) -> RiskDetector:
    """The editors' rules plus the situation model (trained and cached at the first start)."""
    nlu = settings.nlu
    situations = load_situations(nlu.situations_dir, nlu.data_dir, nlu.cache_dir)
    return RiskDetector.load(settings.content.dir, situations=situations)


def build_understander(settings: Settings) -> Understander:
    """NLU and risk detection. Blocking: the first start trains both models (about a minute);
    a running event loop calls `build_understander_async`."""
    return Understander(build_nlu(settings.nlu), build_risk(settings),
                        threshold=settings.nlu.threshold, margin=settings.nlu.ambiguity_margin,
                        max_chars=settings.max_text_chars)


async def build_understander_async(settings: Settings) -> Understander:
    """`build_understander` in a worker thread: the loop keeps serving while models train."""
    return await asyncio.to_thread(build_understander, settings)


async def open_database(settings: Settings) -> AsyncEngine:
    """The database, migrated to the latest schema."""
    db = make_engine(settings.database.url, echo=settings.database.echo)
    await migrate(db)
    return db


@contextlib.asynccontextmanager
async def database_sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The migrated database's sessions for one command (disposed at the end)."""
    db = await open_database(settings)
    try:
        yield make_sessionmaker(db)
    finally:
        await db.dispose()


async def build_hotline(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                        catalogs: Catalogs) -> Hotline:
    """The hotline queue (routing read in a worker thread, outbox worker, SLA watcher); a
    broken routing file fails here, at start-up."""
    routing = await asyncio.to_thread(load_routing, settings.hotline.routing_file)
    return Hotline(sessions=sessions, settings=settings.hotline, catalogs=catalogs, routing=routing)


async def build_services(settings: Settings, *, handoff: HandoffPort | None = None,
                         understander: Understander | None = None) -> Services:
    """The dialogue core. `handoff` and `understander` replace the real ones (tests)."""
    content = ContentStore(settings.content.dir, max_age_days=settings.content.max_age_days)
    await content.reload_async()
    understander = understander or await build_understander_async(settings)
    catalogs = await asyncio.to_thread(Catalogs.load)
    db = await open_database(settings)
    sessions = make_sessionmaker(db)
    hotline = await build_hotline(settings, sessions, catalogs) if settings.hotline.enabled else None
    if handoff is None:
        handoff = HotlineHandoff(hotline) if hotline is not None else RecordingHandoff()
    engine = Engine(content=content, understander=understander, catalogs=catalogs, handoff=handoff,
                    default_lang=settings.default_lang, history_window=settings.history_window,
                    capture=InboxCapture(settings.inbox) if settings.inbox.enabled else None)
    return Services(settings=settings, content=content, understander=understander, catalogs=catalogs,
                    db=db, sessions=sessions, handoff=handoff, engine=engine, hotline=hotline)


# -- 2. the hotline's runtime ------------------------------------------------------------------


def hotline_runtime(services: Services, *,
                    extend: Callable[[web.Application], None] | None = None) -> HotlineRuntime | None:
    """SLA watcher, reply delivery and the console (with `extend`'s routes); None without a hotline."""
    if services.hotline is None:
        return None
    return HotlineRuntime(services.hotline, services.settings.console, extend=functools.partial(
        extend_console, services, extend))


def extend_console(services: Services, extend: Callable[[web.Application], None] | None,
                   app: web.Application) -> None:
    """The editors' inbox and figures (bot.inbox), then the caller's routes."""
    settings = services.settings
    inbox_pages.mount(app, InboxDesk(services.sessions, services.content, settings.inbox,
                                     threshold=settings.nlu.threshold))
    # supervisors' Campaigns page (issue 16)
    campaign_pages.mount(app, build_campaigns(settings, services.sessions, services.content))
    if extend is not None:
        extend(app)


# -- 3. the Telegram side ----------------------------------------------------------------------


def redis_client(settings: Settings) -> Redis | None:
    """Shared FSM state, flood buckets and update de-duplication, when configured."""
    return Redis.from_url(settings.redis.url) if settings.redis.url else None


def handler_dependencies(services: Services, forum: ForumRelay | None) -> Mapping[str, object]:
    """What aiogram passes to handlers by parameter name (the dispatcher's workflow data)."""
    settings = services.settings
    return {
        # the person's journeys: the engine and what their replies need
        "dialogue": Dialogue(engine=services.engine, handoff=services.handoff, catalogs=services.catalogs,
                             default_lang=settings.default_lang, retention_days=settings.retention_days,
                             decorate=functools.partial(with_remind_button, catalogs=services.catalogs,
                                                        topics=dict(settings.reminders.topics))
                             if settings.reminders.enabled else None),
        "reminders": Reminders(settings.reminders),  # /remind and its buttons (bot.telegram.reminders)
        "handoff": services.handoff,  # /forget and edited messages during a handoff
        "retention_days": settings.retention_days,  # /privacy
        "campaign_press_days": settings.campaigns.press_window_days,  # campaign buttons (bot.telegram.news)
        # the operators' group: the queue's actions and the case topics
        "operations": Operations(services.hotline) if services.hotline is not None else None,
        "forum": forum,
    }


def connect_hotline(hotline: Hotline, sender: TelegramSender, forum: ForumRelay | None) -> None:
    """The hotline reaches people on Telegram through `sender`; claims, transfers, closes and
    console replies show in the case's topic; SLA alerts reach the supervisors' chat."""
    hotline.senders.register("telegram", sender)
    if forum is not None:
        hotline.events.subscribe(forum.on_case_change)
    if hotline.settings.supervisor_chat_id is not None:
        hotline.add_notifier(ChatNotifier(sender.send_to_chat, hotline.settings.supervisor_chat_id))


def build_telegram(services: Services, *, bot: Bot | None = None, redis: Redis | None = None) -> TelegramApp:
    settings, tg = services.settings, services.settings.telegram
    bot = bot or make_bot(tg)
    operators = OperatorsChat(tg.operators_chat_id)
    forum = None
    if tg.operators_chat_id is not None and services.hotline is not None:
        forum = ForumRelay(bot, services.sessions, operators,
                           describe=functools.partial(describe_case, services.sessions))
    middlewares = update_middlewares(flood_limiter(tg, redis, key_prefix=settings.redis.key_prefix),
                                     services.sessions, services.catalogs, settings.default_lang,
                                     person_extras=person_extras(services.handoff))
    dp = build_dispatcher(storage=fsm_storage(redis, key_prefix=settings.redis.key_prefix),
                          middlewares=middlewares, routers=get_routers(settings, operators),
                          dependencies=handler_dependencies(services, forum))
    sender = TelegramSender(bot, forum=forum, sessions=services.sessions)
    if services.hotline is not None:
        connect_hotline(services.hotline, sender, forum)
    return TelegramApp(bot=bot, dp=dp, operators=operators, forum=forum, sender=sender, flood=middlewares[0],
                       i18n=services.catalogs, redis=redis)


def reminder_worker(services: Services, bot: Bot) -> ReminderWorker | None:
    """Sends the people's deadline reminders through the bot (paced by its session); run it
    with the other workers. None when reminders are turned off."""
    settings = services.settings
    if not settings.reminders.enabled:
        return None
    return ReminderWorker(services.sessions, TelegramNoticeSender(bot, services.catalogs), services.catalogs,
                          settings.reminders, default_lang=settings.default_lang)


# -- 4. awareness campaigns (bot.campaigns) ----------------------------------------------------


def build_campaigns(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                    content: ContentStore) -> Campaigns:
    """The editors' campaigns, their figures and their start/stop (CLI, console, scheduler)."""
    return Campaigns(sessions, settings.campaigns, settings.content.dir / "campaigns",
                     titles=functools.partial(topic_title, content))


def campaign_scheduler(services: Services, tg: TelegramApp) -> Scheduler:
    """Sends campaigns through a bot that shares `tg`'s pacer, under a budget that leaves the
    rest of Telegram's limit to answers and operators' replies."""
    s = services.settings.campaigns
    pacer = tg.delivery.pacer
    budget = Budget(s.per_s, reserve=s.reserve, headroom=functools.partial(headroom, pacer))
    transport = TelegramCampaignTransport(campaign_bot(services.settings.telegram, pacer))
    return Scheduler(build_campaigns(services.settings, services.sessions, services.content),
                     CampaignSender(services.sessions, transport, budget, s))
