from tests.bot.telegram.conftest import polling
from tests.bot.telegram.fake_bot_api import FakeBotAPI


async def test_start(services, fake_api: FakeBotAPI) -> None:
    async with polling(services):
        fake_api.send_text(42, "/start")
        calls = await fake_api.wait_for("sendMessage", count=2, chat_id=42)
        print([c.text for c in calls], calls[-1].buttons())
        fake_api.press(42, "lang:tg")
        calls = await fake_api.wait_for("sendMessage", count=3, chat_id=42)
        print(calls[-1].text, calls[-1].buttons())
