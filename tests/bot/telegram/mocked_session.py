"""aiogram's testing pattern: a session whose `make_request` records the method and answers
from a script, with no HTTP at all (request middlewares still run, as with the real one)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, ForumTopic, Message, MessageId, User


class MockedSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.raise_next: list[BaseException] = []
        self._ids = itertools.count(100)

    async def close(self) -> None:
        pass

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:  # noqa: ASYNC109 - aiogram signature
        self.requests.append(method)
        if self.raise_next:
            raise self.raise_next.pop(0)
        return self._result(method)

    def _result(self, method: TelegramMethod[Any]) -> Any:
        name = method.__api_method__
        chat_id = getattr(method, "chat_id", 0)
        chat = Chat(id=chat_id, type="private" if isinstance(chat_id, int) and chat_id > 0 else "supergroup")
        if name in {"sendMessage", "editMessageText", "editMessageReplyMarkup", "forwardMessage"}:
            return Message(message_id=next(self._ids), date=dt.datetime.now(dt.UTC), chat=chat,
                           text=getattr(method, "text", None) or "…")
        if name == "copyMessage":
            return MessageId(message_id=next(self._ids))
        if name == "createForumTopic":
            return ForumTopic(message_thread_id=next(self._ids), name=method.name, icon_color=0)  # type: ignore[attr-defined]
        if name == "getMe":
            return User(id=1, is_bot=True, first_name="Hamroh", username="hamroh_test_bot")
        return True

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,  # noqa: ASYNC109
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        yield b""

    def sent(self, method: str = "sendMessage") -> list[Any]:
        return [r for r in self.requests if r.__api_method__ == method]

    def texts(self) -> list[str]:
        return [r.text for r in self.sent()]
