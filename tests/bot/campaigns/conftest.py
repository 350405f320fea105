"""Campaign fixtures: a campaigns folder, people on the real databases, a recording transport."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.campaigns.config import CampaignSettings
from bot.campaigns.pacing import Budget
from bot.campaigns.sender import CampaignSender, Outcome, Rendered
from bot.campaigns.service import Campaigns
from bot.storage.db import make_sessionmaker
from bot.storage.models import Event, User

NOW = dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC)

CAMPAIGN = """\
id: {id}
title: Test campaign
{send_at}expires_at: 2027-01-31T23:59
audience:
  languages: [ru, tg]
{extra}text:
  ru: "<b>Новость</b>"
  tg: "<b>Хабар</b>"
buttons: [docs_patent]
"""


def write_campaign(folder: Path, campaign_id: str, *, send_at: str | None = None, extra: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{campaign_id}.yaml").write_text(CAMPAIGN.format(
        id=campaign_id, send_at=f"send_at: {send_at}\n" if send_at else "", extra=extra), encoding="utf-8")


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class RecordingTransport:
    """Answers like Telegram would, by chat: `script[chat]` is a list of outcomes used in turn."""

    script: dict[str, list[Outcome]] = field(default_factory=dict)
    sent: list[tuple[str, Rendered]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    on_send: Callable[[int], object] | None = None

    async def send(self, chat_id: str, message: Rendered) -> Outcome:
        self.calls.append(chat_id)
        planned = self.script.get(chat_id)
        outcome = planned.pop(0) if planned else Outcome("sent")
        if outcome.kind == "sent":
            self.sent.append((chat_id, message))
        if self.on_send is not None:
            result = self.on_send(len(self.calls))
            if hasattr(result, "__await__"):
                await result  # type: ignore[misc]
        return outcome

    async def close(self) -> None:
        return None


@pytest.fixture
def sessions(any_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(any_engine)


async def add_person(sessions: async_sessionmaker[AsyncSession], external_id: str, *, lang: str = "ru",
                     country: str | None = "RU", news: bool = True, blocked: bool = False,
                     seen: dt.datetime = NOW, transport: str = "telegram", asked: str | None = None) -> int:
    async with sessions.begin() as session:
        user = User(transport=transport, external_id=external_id, lang=lang, country=country, news=news,
                    blocked_at=NOW if blocked else None, last_seen_at=seen)
        session.add(user)
        await session.flush()
        if asked:
            session.add(Event(user_id=user.id, direction="in", kind="text", text="", topic=asked))
        return user.id


def make(sessions: async_sessionmaker[AsyncSession], folder: Path, transport: RecordingTransport,
         clock: Clock, **settings: object) -> tuple[Campaigns, CampaignSender]:
    s = CampaignSettings(**{"per_s": 10_000, "interval_s": 0.01, "lease_s": 30, **settings})  # type: ignore[arg-type]
    campaigns = Campaigns(sessions, s, folder, titles=lambda lang, topic: f"{topic} ({lang})", clock=clock)
    return campaigns, CampaignSender(sessions, transport, Budget(s.per_s), s, clock=clock)
