"""Fixtures for the Telegram tests: a scripted NLU, the services on SQLite, the fake Bot API
server, and aiogram's real client pointed at it (polling or webhook)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.engine.understand import Understander
from bot.settings import ContentSettings, DatabaseSettings, Settings, TelegramSettings
from bot.telegram.factory import TelegramApp, build_telegram, make_bot
from hotline_router.config import HotlineSettings
from nlu.languages import Lang
from nlu.service import ParseResult
from tests.bot.telegram.fake_bot_api import TOKEN, FakeBotAPI

ROOT = Path(__file__).resolve().parents[3]

SCRIPT: dict[str, tuple[Lang, list[tuple[str, float]]]] = {
    "как получить патент": ("ru", [("docs_patent", 0.92), ("docs_patent_payment", 0.05)]),
    "патент или регистрация": ("ru", [("docs_patent", 0.40), ("docs_registration", 0.38)]),
    "хозяин забрал паспорт": ("ru", [("rights_passport_taken", 0.9), ("docs_lost_documents", 0.05)]),
    "патент чӣ тавр мегиранд": ("tg", [("docs_patent", 0.9), ("docs_registration", 0.04)]),
}


class ScriptedNLU:
    async def parse(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None) -> ParseResult:
        lang, ranking = SCRIPT.get(text.strip().lower(), (prior or "ru", [("out_of_scope", 0.2)]))
        return ParseResult(lang=lang_hint or lang, lang_confidence=0.9, ranking=tuple(ranking), backend="test")


@dataclass
class Risk:
    level: str = "none"
    indicators: Sequence[str] = ()
    evidence: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "indicators": list(self.indicators), "evidence": self.evidence}


class ScriptedRisk:
    def assess(self, text: str, lang: Lang, *, ranking: Sequence[tuple[str, float]] = (),
               context: object | None = None) -> Risk:
        if "паспорт" in text.lower():
            return Risk("high", ["retention_of_documents"], [{"rule": "passport_taken", "matched": "паспорт"}])
        return Risk()


def scripted_understander() -> Understander:
    return Understander(ScriptedNLU(), ScriptedRisk(), threshold=0.5, margin=0.1, max_chars=4000)


def test_settings(db_url: str, api_url: str = "http://127.0.0.1:9", **telegram: Any) -> Settings:
    tg: dict[str, Any] = {"token": SecretStr(TOKEN), "api_base": api_url, "pace_chat_per_s": 0,
                          "pace_group_per_min": 0, "pace_global_per_s": 0, **telegram}
    return Settings(database=DatabaseSettings(url=db_url), content=ContentSettings(dir=ROOT / "content"),
                    telegram=TelegramSettings(**tg),
                    hotline=HotlineSettings(routing_file=ROOT / "content/hotline/routing.yaml",
                                            delivery_interval_s=0.05))


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI(forum_chats={-100777})
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'hamroh.db'}"


@pytest.fixture
async def services(db_url: str, fake_api: FakeBotAPI) -> AsyncIterator[Services]:
    s = await build_services(test_settings(db_url, fake_api.url), understander=scripted_understander())
    yield s
    await s.close()


def real_bot(settings: Settings) -> Bot:
    """aiogram's real HTTP client (AiohttpSession) pointed at the fake server."""
    api_base = settings.telegram.api_base
    assert api_base is not None
    return make_bot(settings.telegram, session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)))


@contextlib.asynccontextmanager
async def polling(services: Services, **build: Any) -> AsyncIterator[TelegramApp]:
    """The bot polling the fake server, plus the hotline's delivery worker."""
    tg = build_telegram(services, bot=real_bot(services.settings), **build)
    task = asyncio.create_task(tg.dp.start_polling(tg.bot, handle_signals=False, polling_timeout=1,
                                                   close_bot_session=False))
    workers = [asyncio.create_task(services.hotline.delivery.run())] if services.hotline else []
    try:
        yield tg
    finally:
        for w in workers:
            w.cancel()
        with contextlib.suppress(RuntimeError):
            await tg.dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
        await tg.bot.session.close()
