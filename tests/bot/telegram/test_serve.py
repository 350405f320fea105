"""`hamroh serve` as a whole (bot, console with file links, SLA watcher, delivery) in polling
and webhook mode, stopped through its stop event."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr
from sqlalchemy import select

from bot.settings import Settings
from bot.storage.db import make_engine, make_sessionmaker
from bot.telegram.models import HandoffFile
from bot.telegram.serve import run
from hotline_router import operators
from hotline_router.models import Case
from tests.bot.telegram.conftest import eventually
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.scripted import make_settings, scripted_understander
from tests.bot.telegram.test_e2e_webhook import free_port

PERSON = 8181
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, understander=scripted_understander(), stop=stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


def settings_for(db_url: str, api: FakeBotAPI, tmp_path: Path, **telegram: Any) -> Settings:
    s = make_settings(db_url, api.url, **telegram)
    s.console.port = free_port()
    s.content.watch_interval_s = 0
    return s


async def test_polling_service_with_console_file_links(db_url: str, fake_api: FakeBotAPI, tmp_path: Path,
                                                       monkeypatch: object) -> None:
    settings = settings_for(db_url, fake_api, tmp_path)
    fake_api.files["PHOTO1"] = b"\xff\xd8jpeg bytes"
    async with serving(settings):
        commands = await fake_api.wait_for("setMyCommands", count=4)
        assert {c.params.get("language_code") for c in commands} == {None, "tg", "ru", "uz"}
        fake_api.send_text(PERSON, "/start")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
        fake_api.press(PERSON, "lang:ru")
        fake_api.send_text(PERSON, "/human")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text)
        photo = [{"file_id": "PHOTO1", "file_unique_id": "p", "width": 10, "height": 10}]
        fake_api.push({"message": fake_api.message(PERSON, photo=photo)})
        db = make_engine(db_url)
        sessions = make_sessionmaker(db)

        async def stored() -> HandoffFile | None:
            async with sessions() as session:
                return await session.scalar(select(HandoffFile))
        record = await eventually(stored)
        assert record is not None
        async with sessions.begin() as session:
            await operators.add(session, username="sup", password="correct horse 1", role="supervisor")
            case = await session.scalar(select(Case))
        await db.dispose()
        assert case is not None
        base = f"http://127.0.0.1:{settings.console.port}"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # an IP host
            page = await http.get(f"{base}/console/telegram/files/{case.id}", allow_redirects=False)
            assert page.status in (303, 401)  # the console's login protects the file pages too
            login = await (await http.get(f"{base}/console/login")).text()
            token = CSRF.search(login)
            assert token is not None
            await http.post(f"{base}/console/login", data={"username": "sup", "password": "correct horse 1",
                                                           "csrf_token": token[1]})
            listing = await http.get(f"{base}/console/telegram/files/{case.id}")
            assert listing.status == 200 and "photo" in await listing.text()
            # The case page links the file from the message that brought it, with its type.
            page_text = await (await http.get(f"{base}/console/cases/{case.id}")).text()
            # The console speaks Russian by default.
            assert f'href="/console/telegram/files/{case.id}/{record.id}" class="file-link">открыть photo' \
                in page_text
            assert "[photo]" in page_text and f'href="/console/telegram/files/{case.id}"' in page_text
            got = await http.get(f"{base}/console/telegram/files/{case.id}/{record.id}")
            assert got.status == 200 and await got.read() == b"\xff\xd8jpeg bytes"
            assert fake_api.calls_of("getFile")[0].params["file_id"] == "PHOTO1"
            assert got.headers["X-Content-Type-Options"] == "nosniff"
            for bad in ("99999999999999999999999", "-1", "0", "١٢"):
                assert (await http.get(f"{base}/console/telegram/files/{bad}")).status == 404
                assert (await http.get(f"{base}/console/telegram/files/{case.id}/{bad}")).status == 404


async def test_webhook_service(db_url: str, fake_api: FakeBotAPI, tmp_path: Path) -> None:
    port = free_port()
    settings = settings_for(db_url, fake_api, tmp_path, mode="webhook", webhook_port=port,
                            webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
                            webhook_secret=SecretStr("another-secret"))
    async with serving(settings):
        await fake_api.wait_for("setWebhook")
        assert fake_api.webhook == {"url": f"http://127.0.0.1:{port}/telegram/webhook",
                                    "secret_token": "another-secret"}
        fake_api.send_text(PERSON, "/start")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
        update = {"update_id": 1, "message": fake_api.message(PERSON, "/start")}
        assert await fake_api.post_webhook(update, secret="guess") == 401
