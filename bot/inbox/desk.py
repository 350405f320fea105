"""What the console's inbox and figures pages use (`hotline_router.console.inbox.InboxDeskLike`):
built in the composition root with the database, the content catalogue and the settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.store import ContentStore
from bot.inbox import charts, figures, repo
from bot.inbox.capture import row
from bot.inbox.config import InboxSettings
from bot.inbox.figures import Figures
from bot.inbox.models import InboxItem
from bot.inbox.repo import Group, InboxFilter
from bot.storage.models import User, utcnow
from nlu.risk.model import Indicator

OUT_OF_SCOPE = "out_of_scope"


class InboxDesk:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], content: ContentStore,
                 settings: InboxSettings, *, threshold: float,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.sessions, self.content, self.settings = sessions, content, settings
        self.threshold, self.clock = threshold, clock

    def topics(self) -> list[str]:
        return sorted(t for t in self.content.content.catalogue if t != OUT_OF_SCOPE)

    def indicators(self) -> list[str]:
        return [str(i) for i in Indicator]

    def parse_filter(self, lang: str, reason: str, week: str, state: str) -> InboxFilter:
        return InboxFilter.parse(lang, reason, week, state, self.settings.page_size)

    async def groups(self, flt: InboxFilter) -> list[Group]:
        async with self.sessions() as session:
            return repo.group(await repo.items(session, flt))

    async def label(self, *, ids: list[int], kind: str, value: str, note: str, by: str) -> int:
        """Raises `repo.LabelError` for an unknown topic or indicator, or a new topic without a note."""
        async with self.sessions.begin() as session:
            return await repo.label(session, ids=ids, kind=kind, value=value, note=note, by=by, now=self.clock(),
                                    topics=self.topics(), indicators=self.indicators())

    async def figures(self, weeks: int) -> Figures:
        async with self.sessions() as session:
            return await figures.compute(session, now=self.clock(), weeks=weeks, threshold=self.threshold)

    def csv(self, f: Figures) -> str:
        return figures.to_csv(f)

    def chart(self, f: Figures, name: str) -> bytes:
        return charts.chart(f, name)

    async def correct(self, *, user_id: int, text: str, lang: str, topic: str | None) -> bool:
        """An answer an operator corrected: its question joins the inbox (once)."""
        values = row(user_id=user_id, text=text, lang=lang, reason="corrected", guesses=[(topic or OUT_OF_SCOPE, 0.0)],
                     confidence=0.0, risk="none", at=self.clock())
        async with self.sessions.begin() as session:
            if await session.scalar(select(InboxItem.id).where(
                    InboxItem.user_id == user_id, InboxItem.reason == "corrected", InboxItem.text == values["text"])):
                return False
            if await session.get(User, user_id) is None:
                return False
            session.add(InboxItem(**values))
        return True
