"""Fixtures for the Telegram tests: a scripted NLU, the services on SQLite, the fake Bot API
server, and aiogram's real client pointed at it (polling or webhook)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot

from bot.app import Services
from bot.composition import build_services, build_telegram
from bot.settings import Settings
from bot.telegram.factory import TelegramApp, make_bot
from bot.telegram.http import bot_session
from tests.bot.engine.real_nlu import real_understander
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.scripted import make_settings, scripted_understander


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
    s = await build_services(make_settings(db_url, fake_api.url), understander=scripted_understander())
    yield s
    await s.close()


def real_bot(settings: Settings) -> Bot:
    """The production HTTP client (aiogram's AiohttpSession sending JSON) pointed at the fake server."""
    assert settings.telegram.api_base is not None
    return make_bot(settings.telegram, session=bot_session(settings.telegram.api_base))


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


async def eventually(check: Any, within: float = 5.0) -> Any:
    """Poll an async or plain check until it returns something truthy (or time runs out)."""
    result = None
    for _ in range(int(within / 0.02)):
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(0.02)
    return result


@pytest.fixture
async def real_services(db_url: str, fake_api: FakeBotAPI) -> AsyncIterator[Services]:
    # A burst big enough for a long conversation (more than history_window messages).
    s = await build_services(make_settings(db_url, fake_api.url, flood_burst=100),
                             understander=real_understander())
    yield s
    await s.close()
