"""A conversation with the engine (no transport), and a handoff port that keeps what it was
asked, for the check-question and remembered-danger tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.engine.engine import Engine
from bot.engine.handoff import HandoffTicket, RecordingHandoff
from bot.engine.types import Incoming, Outcome
from bot.storage.db import make_sessionmaker
from bot.storage.models import User


class Conversation:
    def __init__(self, engine: Engine, db: AsyncEngine, user: str = "42") -> None:
        self.engine, self.sessions, self.user = engine, make_sessionmaker(db), user

    async def send(self, kind: str, text: str = "", **kw: Any) -> Outcome:
        async with self.sessions.begin() as session:
            return await self.engine.handle(session, Incoming("test", self.user, kind, text, **kw))  # type: ignore[arg-type]

    async def start(self, lang: str = "ru") -> None:
        await self.send("command", "start")
        await self.send("button", f"lang:{lang}")


def payloads(outcome: Outcome) -> list[str]:
    return [b.payload for r in outcome.replies for b in r.all_buttons()]


class CapturingHandoff(RecordingHandoff):
    """Records the request like `RecordingHandoff` and keeps every argument, evidence too."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    async def request(self, session: AsyncSession, *, user: User, lang: str, level: str,
                      indicators: Sequence[str], evidence: Sequence[dict[str, Any]],
                      transcript: Sequence[dict[str, Any]]) -> HandoffTicket:
        self.requests.append({"level": level, "indicators": list(indicators), "evidence": list(evidence),
                              "transcript": list(transcript)})
        return await super().request(session, user=user, lang=lang, level=level, indicators=indicators,
                                     evidence=evidence, transcript=transcript)
