"""`hamroh chat` with input that is not text (issue 10): lone surrogates from the terminal,
a decoding error, binary bytes. The person gets a message in their language and the chat
goes on (scripted console, scripted NLU, the hotline on SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services
from bot.cli.chat import clean_line, run_chat
from bot.composition import build_services
from tests.bot.cli.scripted_console import ScriptedConsole
from tests.bot.telegram.scripted import make_settings, scripted_understander

NOT_TEXT = {"ru": "Я понимаю только текстовые сообщения", "uz": "Men faqat matnli xabarlarni",
            "tg": "Ман танҳо паёмҳои матниро"}


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    s = await build_services(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"),
                             understander=scripted_understander())
    yield s
    await s.close()


def test_clean_line() -> None:
    assert clean_line("патент\udcff") is None
    assert clean_line("\x1b[Aпатент\x00\x07") == "[Aпатент"
    assert clean_line("как\tполучить патент") == "как\tполучить патент"


@pytest.mark.parametrize("lang", ["ru", "uz", "tg"])
async def test_not_text_gets_a_message_in_the_persons_language(services: Services, lang: str) -> None:
    binary = b"\x89PNG\r\x1a\x00\xff\xfe".decode("utf-8", "surrogateescape")
    undecodable = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    console = ScriptedConsole(["salom\udce9", binary, undecodable, "/help"])
    await run_chat(services, lang=lang, user_id="local-input", console=console)
    assert not console.script, "the chat read every line"
    assert console.output.count(NOT_TEXT[lang]) == 3
    after = console.output.rsplit(NOT_TEXT[lang], 1)[1]
    assert after.strip(), "/help was answered after the bad lines"
