"""End to end in webhook mode: the fake server POSTs updates to the bot's aiohttp handler."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select

from bot.app import Services
from bot.composition import build_telegram
from bot.storage.db import make_engine, migrate
from bot.telegram.factory import TelegramApp
from bot.telegram.models import StoredUpdate
from bot.telegram.serve import webhook_mode
from bot.telegram.webhook import StoringRequestHandler
from tests.bot.telegram.conftest import eventually, real_bot
from tests.bot.telegram.fake_bot_api import FakeBotAPI

PERSON = 5151
SECRET = "s3cret-for-tests"
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def webhook(services: Services) -> AsyncIterator[tuple[TelegramApp, StoringRequestHandler]]:
    port = free_port()
    tg_settings = services.settings.telegram
    tg_settings.mode, tg_settings.webhook_port = "webhook", port
    tg_settings.webhook_url = f"http://127.0.0.1:{port}{tg_settings.webhook_path}"
    tg_settings.webhook_secret = SecretStr(SECRET)
    tg = build_telegram(services, bot=real_bot(services.settings))
    try:
        async with webhook_mode(tg, services) as handler:
            yield tg, handler
    finally:
        await tg.bot.session.close()


async def test_start_and_language_pick_through_the_webhook(services: Services, fake_api: FakeBotAPI) -> None:
    async with webhook(services):
        assert fake_api.webhook is not None and fake_api.webhook["secret_token"] == SECRET
        fake_api.send_text(PERSON, "/start")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
        fake_api.press(PERSON, "lang:uz")
        menu = (await fake_api.wait_for("sendMessage", chat_id=PERSON, count=3))[-1]
        assert "area:docs" in menu.buttons()
        assert set(fake_api.webhook_statuses) == {200}


async def test_wrong_or_missing_secret_is_refused_with_401(services: Services, fake_api: FakeBotAPI) -> None:
    async with webhook(services):
        update = {"update_id": 1, "message": fake_api.message(PERSON, "/start")}
        assert await fake_api.post_webhook(update, secret="wrong") == 401
        assert await fake_api.post_webhook(update) == 401
        await asyncio.sleep(0.2)
        assert not fake_api.texts_to(PERSON)
        async with services.sessions() as session:
            assert (await session.scalars(select(StoredUpdate))).first() is None


async def test_update_is_stored_before_ack_and_a_redelivery_is_dropped(
        services: Services, fake_api: FakeBotAPI) -> None:
    async with webhook(services):
        update = {"update_id": 77, "message": fake_api.message(PERSON, "/start")}
        assert await fake_api.post_webhook(update, secret=SECRET) == 200
        async with services.sessions() as session:
            assert await session.get(StoredUpdate, 77) is not None  # committed when Telegram got 200
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
        assert await fake_api.post_webhook(update, secret=SECRET) == 200  # Telegram retries
        await asyncio.sleep(0.3)
        assert len(fake_api.texts_to(PERSON)) == 2  # handled once

        async def done() -> bool:
            async with services.sessions() as session:
                row = await session.get(StoredUpdate, 77)
                return row is not None and row.status == "done" and row.payload == {}
        assert await eventually(done)  # the person's text is not kept in the update table


async def test_an_update_left_pending_by_a_killed_process_is_replayed(
        services: Services, fake_api: FakeBotAPI) -> None:
    import datetime as dt

    payload = {"update_id": 91, "message": fake_api.message(PERSON, "/start")}
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    async with services.sessions.begin() as session:  # what a process killed after the ack leaves
        session.add(StoredUpdate(update_id=91, payload=payload, status="pending", claimed_at=stale))
    async with webhook(services) as (tg, handler):
        assert await handler.replay(tg.bot) == 1
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
        assert await handler.replay(tg.bot) == 0  # once


def _spawn(db_url: str, api_url: str, port: int, redis_url: str, prefix: str, log: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("w") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.bot.telegram.webhook_worker", db_url, api_url, str(port), redis_url,
             prefix], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True)


async def test_two_processes_sharing_redis_answer_once(
        db_url: str, fake_api: FakeBotAPI, redis_url: str, tmp_path: Path) -> None:
    # The schema first (a deployment migrates once before starting several processes).
    db = make_engine(db_url)
    await migrate(db)
    await db.dispose()
    prefix = f"hamroh-test-{uuid.uuid4().hex[:8]}"
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers = [_spawn(db_url, fake_api.url, port, redis_url, prefix, log)
               for port, log in zip(ports, logs, strict=True)]
    try:
        for w, log in zip(workers, logs, strict=True):
            assert w.stdout is not None
            line = await asyncio.wait_for(asyncio.to_thread(w.stdout.readline), 60)
            assert line.strip() == "READY", log.read_text()[-2000:]
        urls = [f"http://127.0.0.1:{p}/telegram/webhook" for p in ports]
        # Telegram redelivers an update (a timeout) and a balancer sends it to the other process.
        start = {"update_id": 500, "message": fake_api.message(PERSON, "/start")}
        statuses = await asyncio.gather(*(fake_api.post_webhook(start, secret=SECRET, url=u) for u in urls))
        assert statuses == [200, 200]
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
        # Several people at once, spread over both processes; each message answered once.
        people = range(6001, 6011)
        posts = [fake_api.post_webhook({"update_id": 600 + i, "message": fake_api.message(pid, "/start")},
                                       secret=SECRET, url=urls[i % 2]) for i, pid in enumerate(people)]
        assert set(await asyncio.gather(*posts)) == {200}
        for pid in people:
            await fake_api.wait_for("sendMessage", chat_id=pid, count=2)
        await asyncio.sleep(0.5)
        assert len(fake_api.texts_to(PERSON)) == 2
        assert all(len(fake_api.texts_to(pid)) == 2 for pid in people)
    finally:
        for w in workers:
            w.kill()
            w.wait()
        from redis.asyncio import Redis

        r = Redis.from_url(redis_url)
        keys = [k async for k in r.scan_iter(f"{prefix}:*")]
        if keys:
            await r.delete(*keys)
        await r.aclose()
