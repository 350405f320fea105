"""The Bot API client (bot.telegram.http): JSON for every call without a file, multipart for
uploads, and Telegram's errors read as aiogram reads them. Against the fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from tests.bot.telegram.conftest import real_bot
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.scripted import make_settings

PERSON = 5150


@pytest.fixture
async def bot(fake_api: FakeBotAPI, db_url: str) -> AsyncIterator[Bot]:
    b = real_bot(make_settings(db_url, fake_api.url))
    yield b
    await b.session.close()


async def test_a_message_goes_as_json_with_its_keyboard_and_defaults(bot: Bot, fake_api: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Патент", callback_data="t:x")]])
    sent = await bot.send_message(PERSON, "<b>Салом</b> & ҳуқуқ", reply_markup=keyboard,
                                  disable_notification=False)
    call = fake_api.calls[-1]
    assert call.content_type == "application/json"
    assert call.params["chat_id"] == PERSON and call.params["text"] == "<b>Салом</b> & ҳуқуқ"
    assert call.params["parse_mode"] == "HTML"  # the bot's default (DefaultBotProperties)
    assert call.params["link_preview_options"] == {"is_disabled": True}
    assert call.params["disable_notification"] is False  # False is a value, not an absence
    assert call.buttons() == ["t:x"]
    assert sent.chat.id == PERSON and sent.text  # the answer parsed into aiogram's Message


async def test_an_upload_still_goes_as_multipart(bot: Bot, fake_api: FakeBotAPI) -> None:
    await bot.send_document(PERSON, BufferedInputFile(b"%PDF-1.4 contract", filename="contract.pdf"),
                            caption="договор")
    call = fake_api.calls[-1]
    assert call.method == "sendDocument" and call.content_type == "multipart/form-data"
    assert call.params["caption"] == "договор"
    part = call.params["document"].removeprefix("attach://")  # aiogram names the file's part
    assert call.params[part] == b"%PDF-1.4 contract"


async def test_telegrams_errors_are_aiograms_errors(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(PERSON, "x")
    fake_api.fail("sendMessage", 400, "Bad Request: can't parse entities")
    with pytest.raises(TelegramBadRequest, match="parse entities"):
        await bot.send_message(PERSON, "<b>")
