"""Long answers split under Telegram's 4096 limit, keyboards, and the after-commit responder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from bot.engine.types import Button, Reply
from bot.settings import TelegramSettings
from bot.telegram.factory import make_bot
from bot.telegram.render import Responder, keyboard, reply_messages, split_text
from tests.bot.telegram.mocked_session import MockedSession

CASES = yaml.safe_load((Path(__file__).parent / "split_cases.yaml").read_text(encoding="utf-8"))


def _build(part: Any) -> str:
    return part if isinstance(part, str) else part["repeat"] * part["times"]


def _text(case: dict[str, Any]) -> str:
    if "text" in case:
        return str(case["text"])
    if "paragraphs" in case:
        return "\n\n".join(_build(p) for p in case["paragraphs"])
    return "".join(_build(p) for p in case["text_parts"])


def _balanced(html: str) -> bool:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([a-z]+)[^>]*>", html):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_split(case: dict[str, Any]) -> None:
    text, limit = _text(case), case["limit"]
    chunks = split_text(text, limit)
    assert all(len(c) <= limit for c in chunks)
    if "chunks" in case:
        assert chunks == case["chunks"]
    if case.get("expect_paragraph_cuts"):
        assert all(len(set(c.strip())) == 1 for c in chunks), chunks  # never mixes two paragraphs
    if case.get("balanced_tags"):
        assert len(chunks) > 1 and all(_balanced(c) for c in chunks)
    # Nothing is lost apart from whitespace at the cuts and the tags added there.
    flat = re.sub(r"\s+|</?b>", "", "".join(chunks))
    assert flat == re.sub(r"\s+|</?b>", "", text)


def test_real_answers_fit() -> None:
    long = "\n\n".join(["Абзац " + "текст " * 150] * 12)
    parts = reply_messages(Reply(long, ((Button("☰", "menu"),),)))
    assert len(parts) > 1 and all(len(t) <= 4096 for t, _ in parts)
    assert [m is not None for _, m in parts] == [False] * (len(parts) - 1) + [True]  # buttons under the last


def test_callback_data_over_64_bytes_is_refused() -> None:
    assert keyboard([[Button("ok", "t:docs_patent")]]) is not None
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard([[Button("x", "t:" + "я" * 40)]])


async def test_responder_sends_only_on_flush_in_order() -> None:
    session = MockedSession()
    bot = make_bot(TelegramSettings(token=SecretStr("1:x")), session=session)
    r = Responder(bot)
    r.text(5, "one")
    r.edit(5, 10, "two")
    r.reply(5, Reply("three", ((Button("b", "menu"),),)))
    assert session.requests == []
    await r.flush()
    assert [m.__api_method__ for m in session.requests] == ["sendMessage", "editMessageText", "sendMessage"]
    assert session.sent()[-1].reply_markup.inline_keyboard[0][0].callback_data == "menu"
