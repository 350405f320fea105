"""Reading and labelling the inbox; keyword-only functions that take the session and never
commit themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbox.models import LABEL_KINDS, REASONS, InboxItem
from nlu.languages import LANGS


class LabelError(ValueError):
    pass


@dataclass(frozen=True)
class InboxFilter:
    lang: str = ""  # "" = every language
    reason: str = ""
    week: dt.date | None = None  # the Monday of the week
    state: str = "open"  # open | labelled | all
    limit: int = 200

    @classmethod
    def parse(cls, lang: str, reason: str, week: str, state: str, limit: int) -> InboxFilter:
        """From a query string: anything unknown is ignored, never an error."""
        monday = None
        try:
            day = dt.date.fromisoformat(week[:10]) if week else None
            monday = day - dt.timedelta(days=day.weekday()) if day else None
        except ValueError:
            monday = None
        return cls(lang=lang if lang in LANGS else "", reason=reason if reason in REASONS else "", week=monday,
                   state=state if state in ("open", "labelled", "all") else "open", limit=limit)


@dataclass
class Group:
    """Near-duplicates: the same normalised words."""

    key: str
    items: list[InboxItem] = field(default_factory=list)

    @property
    def first(self) -> InboxItem:
        return self.items[0]

    @property
    def ids(self) -> list[int]:
        return [i.id for i in self.items]

    @property
    def reasons(self) -> list[str]:
        return sorted({i.reason for i in self.items})


async def items(session: AsyncSession, flt: InboxFilter) -> list[InboxItem]:
    q = select(InboxItem)
    if flt.lang:
        q = q.where(InboxItem.lang == flt.lang)
    if flt.reason:
        q = q.where(InboxItem.reason == flt.reason)
    if flt.week is not None:
        start = dt.datetime.combine(flt.week, dt.time(), tzinfo=dt.UTC)
        q = q.where(InboxItem.at >= start, InboxItem.at < start + dt.timedelta(days=7))
    if flt.state == "open":
        q = q.where(InboxItem.label_kind.is_(None))
    elif flt.state == "labelled":
        q = q.where(InboxItem.label_kind.is_not(None))
    return list((await session.scalars(q.order_by(InboxItem.id.desc()).limit(flt.limit))).all())


def group(rows: Sequence[InboxItem]) -> list[Group]:
    """Groups of near-duplicates per language, the largest first (then the newest)."""
    groups: dict[tuple[str, str], Group] = {}
    for r in rows:
        groups.setdefault((r.lang, r.key), Group(r.key)).items.append(r)
    return sorted(groups.values(), key=lambda g: (-len(g.items), -g.first.id))


async def label(session: AsyncSession, *, ids: Sequence[int], kind: str, value: str, note: str,
                by: str, now: dt.datetime, topics: Sequence[str], indicators: Sequence[str]) -> int:
    """Label rows: an existing topic, out of scope, a danger indicator or a new topic (with
    a note). Returns how many rows were labelled."""
    if kind not in LABEL_KINDS:
        raise LabelError("unknown label")
    if kind == "topic" and value not in topics:
        raise LabelError("unknown topic")
    if kind == "danger" and value not in indicators:
        raise LabelError("unknown indicator")
    if kind == "new_topic" and not note.strip():
        raise LabelError("a new topic needs a note")
    stored = value if kind in ("topic", "danger") else ("out_of_scope" if kind == "out_of_scope" else None)
    result = await session.execute(
        update(InboxItem).where(InboxItem.id.in_(list(ids)[:500]))
        .values(label_kind=kind, label=stored, note=note.strip()[:1000], labelled_by=by[:64], labelled_at=now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def labelled(session: AsyncSession) -> list[InboxItem]:
    """Every labelled row (for export and review), oldest first."""
    q = select(InboxItem).where(InboxItem.label_kind.is_not(None)).order_by(InboxItem.id)
    return list((await session.scalars(q)).all())


async def open_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(InboxItem)
                                     .where(InboxItem.label_kind.is_(None))) or 0)


async def purge_old(session: AsyncSession, *, days: int, now: dt.datetime) -> int:
    """Rows older than the retention period (what /start promises). The caller commits."""
    result = await session.execute(delete(InboxItem).where(InboxItem.at < now - dt.timedelta(days=days)))
    return int(getattr(result, "rowcount", 0) or 0)
