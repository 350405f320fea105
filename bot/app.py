"""`Services`: the long-lived objects every entry point shares, once built.

`bot.composition` builds them from the settings (nothing is created at import time); this
module only holds them together, closes the database, and reloads what editors maintain.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.content.store import ContentStore
from bot.engine.engine import Engine
from bot.engine.handoff import HandoffPort
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from bot.settings import Settings
from hotline_router.routing import RoutingError
from hotline_router.service import Hotline
from nlu.inbox.reload import refresh as refresh_model
from nlu.risk.detector import RiskDetector

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
        # A model retrained from new data (`hamroh nlu train` after an inbox export).
        refresh_model(self.understander.nlu, self.settings.nlu)
        if self.hotline is not None:
            try:
                self.hotline.reload_routing()
            except RoutingError as exc:
                log.warning("routing.refused", error=str(exc))
