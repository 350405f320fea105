"""Figures for editors and the NGO, from the conversation events: no text, no person.

Questions per topic, language and week; the share answered confidently; the fallback rate per
language; the topics that most often lead to a person; new users per week. Counts only, so the
CSV and the charts can leave the building.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.types import HANDOFF_YES
from bot.storage.models import Event, User

OUT_OF_SCOPE = "out_of_scope"
HUMAN_TOPIC = "help_human"


def week_of(at: dt.datetime) -> str:
    day = at.date()
    return (day - dt.timedelta(days=day.weekday())).isoformat()


@dataclass
class Figures:
    weeks: list[str] = field(default_factory=list)
    questions: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (week, lang, topic)
    per_lang: Counter[str] = field(default_factory=Counter)
    confident: Counter[str] = field(default_factory=Counter)
    fallback: Counter[str] = field(default_factory=Counter)
    to_person: Counter[str] = field(default_factory=Counter)  # topic before a request for a person
    new_users: Counter[str] = field(default_factory=Counter)  # week -> count

    @property
    def total(self) -> int:
        return sum(self.per_lang.values())

    def share_confident(self, lang: str | None = None) -> float:
        n = self.per_lang[lang] if lang else self.total
        c = self.confident[lang] if lang else sum(self.confident.values())
        return c / n if n else 0.0

    def fallback_rate(self, lang: str) -> float:
        return self.fallback[lang] / self.per_lang[lang] if self.per_lang[lang] else 0.0

    def topics(self) -> list[tuple[str, int]]:
        totals: Counter[str] = Counter()
        for (_w, _l, topic), n in self.questions.items():
            totals[topic] += n
        return totals.most_common()


async def compute(session: AsyncSession, *, now: dt.datetime, weeks: int, threshold: float) -> Figures:
    """The last `weeks` weeks (the current one included)."""
    today = now.date()
    first = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    out = Figures(weeks=[(first + dt.timedelta(weeks=i)).isoformat() for i in range(weeks)])
    rows = await session.execute(
        select(Event.user_id, Event.at, Event.kind, Event.text, Event.lang, Event.topic, Event.confidence)
        .where(Event.direction == "in", Event.at >= since).order_by(Event.user_id, Event.id))
    last_topic: dict[int, str] = {}
    for user_id, at, kind, text, lang, topic, confidence in rows.all():
        asks_person = (kind == "command" and text == "human") or (kind == "button" and text == HANDOFF_YES)
        if asks_person:
            if user_id in last_topic:
                out.to_person[last_topic.pop(user_id)] += 1
            continue
        if kind != "text" or not lang or not topic:
            continue
        if topic == HUMAN_TOPIC:
            if user_id in last_topic:
                out.to_person[last_topic.pop(user_id)] += 1
            continue
        week = week_of(at)
        out.questions[(week, lang, topic)] += 1
        out.per_lang[lang] += 1
        if topic == OUT_OF_SCOPE:
            out.fallback[lang] += 1
        elif (confidence or 0.0) >= threshold:
            out.confident[lang] += 1
        last_topic[user_id] = topic
    for (created,) in (await session.execute(select(User.created_at).where(User.created_at >= since))).all():
        out.new_users[week_of(created)] += 1
    return out


def to_csv(f: Figures) -> str:
    """One table: figure, week, language, topic, value (counts and shares only)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["figure", "week", "lang", "topic", "value"])
    for (week, lang, topic), n in sorted(f.questions.items()):
        w.writerow(["questions", week, lang, topic, n])
    for lang in sorted(f.per_lang):
        w.writerow(["share_confident", "", lang, "", f"{f.share_confident(lang):.4f}"])
        w.writerow(["fallback_rate", "", lang, "", f"{f.fallback_rate(lang):.4f}"])
    for topic, n in f.to_person.most_common():
        w.writerow(["led_to_person", "", "", topic, n])
    for week in f.weeks:
        w.writerow(["new_users", week, "", "", f.new_users[week]])
    return buf.getvalue()
