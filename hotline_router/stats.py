"""Figures for supervisors: waiting now, wait times, SLA breaches, cases by language, risk and
outcome; and a CSV export with no personal data (no ids, names, texts or exact times)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.models import Alert, Case
from shared.stats import percentile  # the project's one percentile helper

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("date", "team", "lang", "country", "risk", "indicators", "status", "outcome", "tags",
               "wait_min", "handle_min", "sla_breached", "out_of_hours", "overflowed")


def neutral(cell: object) -> object:
    """A text cell a spreadsheet cannot run: prefixed with a quote when it starts like a
    formula (the values come partly from people, e.g. a forged country code). Numbers that
    the export computes itself are left as numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


@dataclass
class Period:
    days: int
    cases: int = 0
    answered: int = 0
    abandoned: int = 0  # left the queue before anyone took them
    median_wait_min: float | None = None
    p90_wait_min: float | None = None
    sla_breaches: int = 0
    by_lang: Counter[str] = field(default_factory=Counter)
    by_risk: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)


@dataclass
class Overview:
    waiting: int
    waiting_by_risk: Counter[str]
    waiting_by_team: Counter[str]
    oldest_wait_min: float | None
    breached_now: int
    periods: list[Period]
    alerts: list[Alert]


def _wait_min(case: Case) -> float | None:
    if case.first_assigned_at is None:
        return None
    return max(0.0, (case.first_assigned_at - case.created_at).total_seconds() / 60)


def period(rows: Sequence[Case], days: int) -> Period:
    out = Period(days=days, cases=len(rows))
    waits = [w for c in rows if (w := _wait_min(c)) is not None]
    out.answered = len(waits)
    out.abandoned = sum(1 for c in rows if c.outcome == "cancelled_by_person" and c.first_assigned_at is None)
    out.median_wait_min, out.p90_wait_min = percentile(waits, 50), percentile(waits, 90)
    out.sla_breaches = sum(1 for c in rows if c.escalated_at is not None)
    out.by_lang.update(c.lang for c in rows)
    out.by_risk.update(c.level for c in rows)
    out.by_outcome.update(c.outcome or f"({c.status})" for c in rows)
    return out


async def _since(session: AsyncSession, since: dt.datetime) -> list[Case]:
    return list((await session.scalars(select(Case).where(Case.created_at >= since)
                                       .order_by(Case.created_at))).all())


async def overview(session: AsyncSession, *, now: dt.datetime, windows: Sequence[int] = (7, 30)) -> Overview:
    waiting = (await session.execute(select(Case.level, Case.team, Case.queued_at, Case.escalated_at)
                                     .where(Case.status == "queued"))).all()
    oldest = min((r.queued_at for r in waiting), default=None)
    rows = await _since(session, now - dt.timedelta(days=max(windows)))
    periods = [period([c for c in rows if c.created_at >= now - dt.timedelta(days=d)], d)
               for d in windows]
    alerts = (await session.scalars(select(Alert).where(Alert.acknowledged_at.is_(None))
                                    .order_by(Alert.id.desc()).limit(50))).all()
    return Overview(waiting=len(waiting), waiting_by_risk=Counter(r.level for r in waiting),
                    waiting_by_team=Counter(r.team for r in waiting),
                    oldest_wait_min=(now - oldest).total_seconds() / 60 if oldest else None,
                    breached_now=sum(1 for r in waiting if r.escalated_at is not None),
                    periods=periods, alerts=list(alerts))


async def export_csv(session: AsyncSession, *, now: dt.datetime, days: int = 30) -> str:
    """One row per case, by day only; free text and identifiers are left out on purpose."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for c in await _since(session, now - dt.timedelta(days=days)):
        wait = _wait_min(c)
        handle = ((c.closed_at - c.first_assigned_at).total_seconds() / 60
                  if c.closed_at and c.first_assigned_at else None)
        row = (c.created_at.date().isoformat(), c.team, c.lang, c.country or "", c.level,
               " ".join(map(str, c.indicators)), c.status, c.outcome or "",
               " ".join(map(str, c.tags)), "" if wait is None else round(wait, 1),
               "" if handle is None else round(handle, 1), int(c.escalated_at is not None),
               int(c.out_of_hours), int(c.team != c.preferred_team))
        writer.writerow([neutral(cell) for cell in row])
    return buf.getvalue()


async def count_open(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(Case.id)).where(
        Case.status.in_(("queued", "assigned")))) or 0)
