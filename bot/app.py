"""Build the long-lived services once, at start-up, from the settings.

Every entry point (terminal chat, batch ask, Telegram, console) calls `build_services` and
passes what it needs down; nothing is created at import time.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.content.store import ContentStore
from bot.engine.engine import Engine
from bot.engine.handoff import HandoffPort, RecordingHandoff
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from bot.logs import configure_logging as configure_logging  # re-exported; it lives in bot.logs
from bot.settings import Settings
from bot.storage.db import make_engine, make_sessionmaker, migrate
from hotline_router.routing import RoutingError
from hotline_router.service import Hotline, HotlineHandoff
from nlu.risk.detector import RiskDetector
from nlu.risk.situation_model import load_or_train as load_situations
from nlu.service import build_nlu

log = structlog.get_logger(__name__)


@dataclass
class Services:
    settings: Settings
    content: ContentStore
    understander: Understander
    catalogs: Catalogs
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    handoff: HandoffPort
    engine: Engine
    hotline: Hotline | None = None  # the live queue (None when HAMROH_HOTLINE__ENABLED=false)
    _reload_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    async def close(self) -> None:
        await self.db.dispose()

    async def reload_editable_files_async(self) -> None:
        """`reload_editable_files` in a worker thread, so a slow or hostile file never blocks
        the event loop (what a running service calls)."""
        await asyncio.to_thread(self.reload_editable_files)

    def reload_editable_files(self) -> None:
        """Content, risk rules and routing, on SIGHUP or a file change. A broken file never
        takes the service down: content keeps its last good files, a broken routing file keeps
        the last good rules, and risk rules with an error are left out (and logged)."""
        with self._reload_lock:
            self._reload_editable_files()

    def _reload_editable_files(self) -> None:
        self.content.reload()
        # The situation model is trained data, not an editor's file: it is kept as it is.
        situations = getattr(self.understander.risk, "situations", None)
        detector = RiskDetector.load(self.settings.content.dir, situations=situations)
        for problem in detector.problems:
            log.warning("risk_rules.refused", problem=str(problem))
        self.understander.risk = detector
        if self.hotline is not None:
            try:
                self.hotline.reload_routing()
            except RoutingError as exc:
                log.warning("routing.refused", error=str(exc))


def build_risk(settings: Settings) -> RiskDetector:
    """The editors' rules plus the situation model (trained and cached at the first start)."""
    nlu = settings.nlu
    situations = load_situations(nlu.situations_dir, nlu.data_dir, nlu.cache_dir)
    return RiskDetector.load(settings.content.dir, situations=situations)


def build_understander(settings: Settings) -> Understander:
    return Understander(build_nlu(settings.nlu), build_risk(settings),
                        threshold=settings.nlu.threshold, margin=settings.nlu.ambiguity_margin,
                        max_chars=settings.max_text_chars)


async def build_services(settings: Settings, *, handoff: HandoffPort | None = None,
                         understander: Understander | None = None) -> Services:
    content = ContentStore(settings.content.dir, max_age_days=settings.content.max_age_days)
    await content.reload_async()
    understander = understander or build_understander(settings)
    catalogs = Catalogs.load()
    db = make_engine(settings.database.url, echo=settings.database.echo)
    await migrate(db)
    sessions = make_sessionmaker(db)
    hotline = build_hotline(settings, sessions, catalogs) if settings.hotline.enabled else None
    if handoff is None:
        handoff = HotlineHandoff(hotline) if hotline is not None else RecordingHandoff()
    engine = Engine(content=content, understander=understander, catalogs=catalogs, handoff=handoff,
                    default_lang=settings.default_lang, history_window=settings.history_window)
    return Services(settings=settings, content=content, understander=understander, catalogs=catalogs,
                    db=db, sessions=sessions, handoff=handoff, engine=engine, hotline=hotline)


def build_hotline(settings: Settings, sessions: async_sessionmaker[AsyncSession], catalogs: Catalogs) -> Hotline:
    """The hotline queue (routing file, outbox worker, SLA watcher); fails on a broken routing file."""
    return Hotline(sessions=sessions, settings=settings.hotline, catalogs=catalogs)


async def open_database(settings: Settings) -> AsyncEngine:
    """The migrated database alone (for commands that need neither NLU nor content)."""
    db = make_engine(settings.database.url, echo=settings.database.echo)
    await migrate(db)
    return db
