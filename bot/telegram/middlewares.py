"""Outer middlewares on every update, in this order (inside aiogram's per-user event lock):
database session -> the person's language -> aiogram I18n -> flood control."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n, I18nMiddleware
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import repo
from bot.telegram.flood import FloodLimiter
from bot.telegram.render import Responder
from nlu.languages import Lang, is_lang

TRANSPORT = "telegram"
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def guess_lang(code: str | None, default: Lang) -> Lang:
    """Telegram's language_code is only a first guess (many Tajik phones say ru or en)."""
    base = (code or "").lower().replace("_", "-").split("-")[0]
    return base if is_lang(base) else default


class DbSessionMiddleware(BaseMiddleware):
    """One session per update, committed after the handler; replies are sent after the
    commit (the `Responder`), so what the person sees is always on record.

    With SQLite, `gate` lets one update's transaction run at a time in this process: SQLite
    has a single writer, and concurrent writers wait in its busy handler, which sleeps in
    steps of up to 100 ms. Queueing them here is several times faster (see the benchmark)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], gate: asyncio.Lock | None = None) -> None:
        self.sessions, self.gate = sessions, gate

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        bot: Bot = data["bot"]
        responder = Responder(bot)
        async with self.gate or contextlib.nullcontext(), self.sessions() as session:
            data["session"], data["responder"] = session, responder
            result = await handler(event, data)
            await session.commit()
        await responder.flush()
        return result


class UserLangMiddleware(BaseMiddleware):
    """The person's language from the database (users.lang); Telegram's hint otherwise."""

    def __init__(self, default_lang: Lang) -> None:
        self.default_lang = default_lang

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        lang: Lang = self.default_lang
        if tg_user is not None:
            lang = guess_lang(tg_user.language_code, self.default_lang)
            if not tg_user.is_bot:
                user = await repo.get_user(data["session"], transport=TRANSPORT,
                                           external_id=str(tg_user.id))
                if user is not None and is_lang(user.lang):
                    lang = user.lang
        data["user_lang"] = lang
        return await handler(event, data)


class LangI18nMiddleware(I18nMiddleware):
    """aiogram's gettext in the language chosen above (not Telegram's language_code)."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        lang = data.get("user_lang")
        return lang if isinstance(lang, str) else self.i18n.default_locale


def _private_sender(update: Update) -> tuple[int, int] | None:
    """(user id, chat id) of a person writing to the bot in a private chat."""
    msg = update.message or update.edited_message
    if msg is not None and msg.chat.type == "private" and msg.from_user is not None:
        return msg.from_user.id, msg.chat.id
    cq = update.callback_query
    if cq is not None and cq.message is not None and cq.message.chat.type == "private":
        return cq.from_user.id, cq.message.chat.id
    return None


class FloodControlMiddleware(BaseMiddleware):
    def __init__(self, limiter: FloodLimiter) -> None:
        self.limiter = limiter
        self.dropped = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender = _private_sender(event) if isinstance(event, Update) else None
        if sender is None:
            return await handler(event, data)
        verdict = await self.limiter.hit(sender[0])
        if verdict.allowed:
            return await handler(event, data)
        self.dropped += 1
        if verdict.notify:
            responder: Responder = data["responder"]
            responder.text(sender[1], _("You are sending messages very fast, so I skipped some. "
                                        "Please wait a minute, then send your question again "
                                        "in one message. If you are in danger, call 112."))
        return None
