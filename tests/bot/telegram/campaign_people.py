"""People for the campaign tests and the benchmark, written in a few INSERTs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import User, utcnow

FIRST_ID = 10_000_000  # Telegram chat ids of the audience (others follow it)
CAMPAIGN = """\
id: wave
title: A wave of fake job offers
expires_at: 2099-12-31T23:59
audience:
  languages: [ru, tg, uz]
text:
  ru: "<b>Осторожно</b>: фальшивые вакансии."
  tg: "<b>Эҳтиёт шавед</b>: эълонҳои қалбакии кор."
  uz: "<b>Ehtiyot boʻling</b>: soxta ish eʼlonlari."
buttons: [jobs_verify_offer]
"""


def write_campaign(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wave.yaml").write_text(CAMPAIGN, encoding="utf-8")
    return folder


async def add_people(sessions: async_sessionmaker[AsyncSession], *, opted_in: int, not_opted: int = 0,
                     blocked: int = 0, other_transport: int = 0) -> list[int]:
    """The chat ids of the `opted_in` people (ru, tg, uz in turn); the others must get nothing."""
    now, rows, audience = utcnow(), [], []
    langs = ("ru", "tg", "uz")
    groups = [(opted_in, True, None, "telegram"), (not_opted, False, None, "telegram"),
              (blocked, True, now, "telegram"), (other_transport, True, None, "chat")]
    chat = FIRST_ID
    for count, news, blocked_at, transport in groups:
        for n in range(count):
            rows.append({"transport": transport, "external_id": str(chat), "lang": langs[n % 3],
                         "lang_confirmed": True, "country": ("RU", "KZ", None)[n % 3], "created_at": now,
                         "last_seen_at": now, "news": news, "blocked_at": blocked_at})
            if news and blocked_at is None and transport == "telegram":
                audience.append(chat)
            chat += 1
    async with sessions.begin() as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(User), rows[start:start + 1000])
    return audience
