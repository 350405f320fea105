"""A separate process for the reminders' kill test (run by test_reminders_kill.py, not
collected by pytest).

`start DB API`: run the reminder worker with the real bot against the fake Bot API; the
bot's request layer prints `SENDING` and stops right when sendMessage would leave, until the
test kills the process (SIGKILL).
`resume DB API`: run the worker until no reminder is left to send, print `DONE n`, exit.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from sqlalchemy import func, select

from bot.i18n import Catalogs
from bot.reminders.models import ReminderSend
from bot.reminders.worker import ReminderWorker
from bot.settings import ReminderSettings
from bot.storage.db import make_engine, make_sessionmaker, migrate
from bot.telegram.factory import make_bot
from bot.telegram.reminder_buttons import TelegramNoticeSender
from tests.bot.telegram.scripted import make_settings


class StallAtSend(BaseRequestMiddleware):
    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Response[Any]:
        if method.__api_method__ == "sendMessage":
            print("SENDING", flush=True)
            await asyncio.Event().wait()  # until SIGKILL
        return await make_request(bot, method)


async def main(mode: str, db_url: str, api_url: str) -> None:
    settings = make_settings(db_url, api_url)
    reminders = ReminderSettings(lease_s=0.5, interval_s=0.05)
    engine = make_engine(db_url)
    await migrate(engine)
    sessions = make_sessionmaker(engine)
    bot = make_bot(settings.telegram)
    if mode == "start":
        bot.session.middleware(StallAtSend())
    catalogs = Catalogs.load()
    worker = ReminderWorker(sessions, TelegramNoticeSender(bot, catalogs), catalogs, reminders)
    if mode == "start":
        await worker.run()
        return
    sent, deadline = 0, time.monotonic() + 60
    while time.monotonic() < deadline:
        sent += await worker.run_once()
        async with sessions() as session:
            left = await session.scalar(select(func.count()).select_from(ReminderSend)
                                        .where(ReminderSend.status.in_(("pending", "sending"))))
        if not left:
            break
        await asyncio.sleep(0.1)
    print("DONE", sent, flush=True)
    await bot.session.close()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
