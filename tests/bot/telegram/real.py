"""Steps shared by the end-to-end tests that run the bot's real understanding behind the fake
Bot API (the `real_services` fixture is in conftest.py)."""

from __future__ import annotations

from tests.bot.telegram.fake_bot_api import FakeBotAPI


async def start_in_russian(api: FakeBotAPI, person: int) -> int:
    """/start and the Russian button; the number of messages sent to the person so far."""
    api.send_text(person, "/start")
    await api.wait_for("sendMessage", chat_id=person, count=2)
    api.press(person, "lang:ru")
    return len(await api.wait_for("sendMessage", chat_id=person, count=3))
