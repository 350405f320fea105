"""What the engine reports to the inbox, and which messages qualify.

The engine calls `understood` after every free-text message; it returns at once, with no
query, unless the message qualifies (fallback, "did you mean", low confidence, or a request
for a person). A qualifying message costs one INSERT; a request for a person costs one more
read (which of the earlier messages are already in the inbox).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.understand import OUT_OF_SCOPE, Understanding
from bot.inbox.config import InboxSettings
from bot.inbox.models import InboxItem
from bot.inbox.redact import redact
from bot.storage.models import Event, User, utcnow
from nlu.normalize import normalize

# The topic of "I want to talk to a person": the messages before it were not answered well.
HUMAN_TOPIC = "help_human"
_KEY_WORDS = re.compile(r"<\w+>|\w+")


class CapturePort(Protocol):
    async def understood(self, session: AsyncSession, *, user: User, u: Understanding,
                         context: Sequence[Event]) -> None: ...

    async def handed_off(self, session: AsyncSession, *, user: User, events: Sequence[Event]) -> None: ...


class NoCapture:
    """The engine without an inbox (tests, `hamroh ask`)."""

    async def understood(self, session: AsyncSession, *, user: User, u: Understanding,
                         context: Sequence[Event]) -> None:
        return None

    async def handed_off(self, session: AsyncSession, *, user: User, events: Sequence[Event]) -> None:
        return None


def group_key(text: str) -> str:
    """Near-duplicates share a key: the normalised words (script, case, apostrophes folded)
    in order, without the placeholders' contents, cut to 200 characters."""
    words = _KEY_WORDS.findall(normalize(text))
    return " ".join(words)[:200]


def reason_of(u: Understanding, low_confidence: float) -> str | None:
    d = u.decision
    if d.kind == "out_of_scope":
        return "fallback"
    if d.kind == "ambiguous":
        return "did_you_mean"
    if d.topic != OUT_OF_SCOPE and d.confidence < low_confidence:
        return "low_confidence"
    return None


def row(*, user_id: int, text: str, lang: str, reason: str, guesses: Sequence[tuple[str, float]],
        confidence: float, risk: str, at: dt.datetime) -> dict[str, Any]:
    """One inbox row, redacted."""
    clean = redact(text)[:4000]
    return {"user_id": user_id, "at": at, "lang": lang, "reason": reason, "text": clean, "key": group_key(clean),
            "guesses": [[t, round(float(c), 4)] for t, c in guesses[:3]], "confidence": round(float(confidence), 4),
            "risk": risk, "note": ""}


class InboxCapture:
    def __init__(self, settings: InboxSettings) -> None:
        self.settings = settings

    async def understood(self, session: AsyncSession, *, user: User, u: Understanding,
                         context: Sequence[Event]) -> None:
        if u.decision.kind == "match" and u.decision.topic == HUMAN_TOPIC:
            await self.handed_off(session, user=user, events=context)
            return
        reason = reason_of(u, self.settings.low_confidence)
        if reason is None:
            return
        values = row(user_id=user.id, text=u.text, lang=u.lang, reason=reason, guesses=u.parse.ranking,
                     confidence=u.decision.confidence, risk=str(u.risk.level), at=utcnow())
        await session.execute(insert(InboxItem.__table__), [values])  # type: ignore[arg-type]

    async def handed_off(self, session: AsyncSession, *, user: User, events: Sequence[Event]) -> None:
        """The person asked for a human: their last few text messages (not danger reports,
        which reached the operators already) are marked "handoff", unless already in."""
        said = [e for e in events if e.direction == "in"][-self.settings.handoff_turns:] \
            if self.settings.handoff_turns else []
        candidates = [e for e in said if e.kind == "text" and e.risk != "high" and e.topic != HUMAN_TOPIC
                      and e.text.strip()]
        if not candidates:
            return
        since = min(_aware(e.at) for e in candidates) - dt.timedelta(seconds=1)
        have = set((await session.scalars(select(InboxItem.text).where(
            InboxItem.user_id == user.id, InboxItem.at >= since))).all())
        rows = [row(user_id=user.id, text=e.text, lang=e.lang or "ru", reason="handoff",
                    guesses=[(e.topic or OUT_OF_SCOPE, e.confidence or 0.0)], confidence=e.confidence or 0.0,
                    risk=e.risk, at=utcnow()) for e in candidates]
        rows = [r for r in rows if r["text"] not in have]
        if rows:
            await session.execute(insert(InboxItem.__table__), rows)  # type: ignore[arg-type]


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
