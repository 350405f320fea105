"""Handlers with a mocked session (no HTTP): updates fed to the dispatcher, requests read back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import Update

from bot.app import Services
from bot.composition import build_telegram
from bot.telegram.commands import COMMANDS, set_commands
from bot.telegram.factory import TelegramApp, make_bot
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.mocked_session import MockedSession

PERSON = 777
OPS = -100777


@pytest.fixture
async def tg(services: Services) -> AsyncIterator[TelegramApp]:
    services.settings.telegram.operators_chat_id = OPS
    app = build_telegram(services, bot=make_bot(services.settings.telegram, session=MockedSession()))
    yield app


def session_of(tg: TelegramApp) -> MockedSession:
    assert isinstance(tg.bot.session, MockedSession)
    return tg.bot.session


async def feed(tg: TelegramApp, update: dict[str, Any]) -> None:
    await tg.dp.feed_update(tg.bot, Update.model_validate({"update_id": 1, **update}, context={"bot": tg.bot}))


def msg(user_id: int = PERSON, text: str | None = None, **kw: Any) -> dict[str, Any]:
    return {"message": FakeBotAPI().message(user_id, text, **kw)}


def press(data: str, user_id: int = PERSON, lang: str = "ru") -> dict[str, Any]:
    return {"callback_query": {"id": "1", "chat_instance": "c", "from": FakeBotAPI.user(user_id, lang), "data": data,
                               "message": {"message_id": 9, "date": 0, "text": "…",
                                           "chat": {"id": user_id, "type": "private"}}}}


async def started(tg: TelegramApp, lang: str = "ru") -> MockedSession:
    await feed(tg, msg(text="/start"))
    await feed(tg, press(f"lang:{lang}"))
    s = session_of(tg)
    s.requests.clear()
    return s


async def test_privacy_says_what_is_stored_and_how_long(tg: TelegramApp) -> None:
    s = await started(tg)
    await feed(tg, msg(text="/privacy"))
    (text,) = s.texts()
    assert "конфиденциальность" in text and "90" in text and "/forget" in text and "не полиция" in text


async def test_forget_asks_first_and_no_keeps_everything(tg: TelegramApp) -> None:
    s = await started(tg)
    await feed(tg, msg(text="/forget"))
    (confirm,) = s.sent()
    assert [b.callback_data for row in confirm.reply_markup.inline_keyboard for b in row] == ["forget:yes", "forget:no"]
    await feed(tg, press("forget:no"))
    (edit,) = s.sent("editMessageText")
    assert "ничего не удалено" in edit.text.lower()
    await feed(tg, msg(text="/menu"))
    assert "area:docs" in [b.callback_data for row in s.sent()[-1].reply_markup.inline_keyboard for b in row]


async def test_language_comes_from_the_database_not_from_telegram(tg: TelegramApp) -> None:
    s = await started(tg, "tg")
    await feed(tg, msg(text="/privacy", lang="ru"))  # the phone still says ru
    assert "Махфияти шумо" in s.texts()[-1]


async def test_unknown_command_is_explained(tg: TelegramApp) -> None:
    s = await started(tg)
    await feed(tg, msg(text="/weather"))
    assert "не знаю такой команды" in s.texts()[0]


async def test_media_outside_a_handoff_gets_a_polite_reply_in_the_persons_language(tg: TelegramApp) -> None:
    s = await started(tg, "uz")
    await feed(tg, msg(location={"latitude": 55.7, "longitude": 37.6}))
    assert "matnli" in s.texts()[0]


async def test_edited_message_outside_a_handoff(tg: TelegramApp) -> None:
    s = await started(tg)
    await feed(tg, {"edited_message": FakeBotAPI().message(PERSON, "как получить патент", edit_date=1)})
    assert "новые сообщения" in s.texts()[0]


async def test_other_groups_are_left_and_the_operators_group_is_not(tg: TelegramApp) -> None:
    s = session_of(tg)
    other = {"id": -100123, "type": "group", "title": "x"}
    await feed(tg, msg(text="hi", chat=other))
    assert [r.chat_id for r in s.sent("leaveChat")] == [-100123]
    await feed(tg, msg(text="hi", chat={"id": OPS, "type": "supergroup", "title": "Operators"}))
    assert len(s.sent("leaveChat")) == 1
    added = {"my_chat_member": {"chat": {"id": -100124, "type": "supergroup", "title": "y"},
                                "from": FakeBotAPI.user(1), "date": 0,
                                "old_chat_member": {"status": "left", "user": FakeBotAPI.user(2)},
                                "new_chat_member": {"status": "member", "user": FakeBotAPI.user(2)}}}
    await feed(tg, added)
    assert [r.chat_id for r in s.sent("leaveChat")] == [-100123, -100124]


async def test_a_failing_handler_still_answers(tg: TelegramApp, services: Services,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    s = await started(tg)

    async def broken(*a: Any, **kw: Any) -> None:
        raise RuntimeError("database down")
    monkeypatch.setattr(services.engine, "handle", broken)
    await feed(tg, msg(text="как получить патент"))
    assert "Извините, произошла ошибка" in s.texts()[0]


async def test_commands_are_registered_in_each_language(tg: TelegramApp) -> None:
    await set_commands(tg.bot, tg.i18n, "ru")
    calls = session_of(tg).sent("setMyCommands")
    assert [c.language_code for c in calls] == [None, "tg", "ru", "uz"]
    for call in calls:
        assert [c.command for c in call.commands] == list(COMMANDS)
        assert call.scope.type == "all_private_chats"
    tajik = {c.command: c.description for c in calls[1].commands}
    assert tajik["forget"] != "Delete everything about you"  # translated
    assert {c.command: c.description for c in calls[3].commands}["human"].startswith("Ishonch")
