"""Outer middlewares on every update, in this order (inside aiogram's per-user event lock):
flood control (no database work) -> database session -> the person (one look-up, which also
sets the interface language for `bot.i18n.gettext`).

The person's row is looked up once per update (`repo.get_user` keeps it in the session, so
the engine's own look-up costs no second query). On SQLite there is no lock around the
handler: the sessions take the process's write gate at their first write (bot.storage.db).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n
from bot.i18n import Catalogs
from bot.storage import repo
from bot.telegram.flood import FloodLimiter, MemoryFloodLimiter
from bot.telegram.render import Responder
from nlu.languages import Lang, is_lang

TRANSPORT = "telegram"
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
FLOOD_NOTICE = ("You are sending messages very fast, so I skipped some. Please wait a minute, then send "
                "your question again in one message. If you are in danger, call 112.")


def guess_lang(code: str | None, default: Lang) -> Lang:
    """Telegram's language_code is only a first guess (many Tajik phones say ru or en)."""
    base = (code or "").lower().replace("_", "-").split("-")[0]
    return base if is_lang(base) else default


class LangMemo:
    """The last language seen per Telegram user, for the few words said before any database
    work (the flood notice). Bounded; a miss falls back to Telegram's hint."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._langs: OrderedDict[int, Lang] = OrderedDict()

    def get(self, user_id: int) -> Lang | None:
        return self._langs.get(user_id)

    def put(self, user_id: int, lang: Lang) -> None:
        if self._langs.get(user_id) == lang:
            return
        self._langs[user_id] = lang
        self._langs.move_to_end(user_id)
        if len(self._langs) > self.size:
            self._langs.popitem(last=False)


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
    """First of all: a person over their bucket costs no database work at all."""

    def __init__(self, limiter: FloodLimiter, *, catalogs: Catalogs | None = None, default_lang: Lang = "ru",
                 langs: LangMemo | None = None) -> None:
        self.limiter, self.catalogs, self.default_lang = limiter, catalogs, default_lang
        self.langs = langs or LangMemo()
        self.dropped = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender = _private_sender(event) if isinstance(event, Update) else None
        if sender is None:
            return await handler(event, data)
        limiter = self.limiter
        verdict = limiter.hit_now(sender[0]) if isinstance(limiter, MemoryFloodLimiter) \
            else await limiter.hit(sender[0])
        if verdict.allowed:
            return await handler(event, data)
        self.dropped += 1
        if verdict.notify:
            tg_user: TgUser | None = data.get("event_from_user")
            lang = self.langs.get(sender[0]) or guess_lang(tg_user.language_code if tg_user else None,
                                                           self.default_lang)
            text = self.catalogs[lang](FLOOD_NOTICE) if self.catalogs is not None else FLOOD_NOTICE
            responder = Responder(data["bot"])
            responder.text(sender[1], text)
            await responder.flush()
        return None


class DbSessionMiddleware(BaseMiddleware):
    """One session per update, committed after the handler; replies are sent after the
    commit (the `Responder`), so what the person sees is always on record.

    `gate` is kept for callers that pass one (an explicit lock around the whole update); the
    factory passes none: on SQLite the session takes the write gate at its first write."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], gate: Any = None) -> None:
        self.sessions, self.gate = sessions, gate

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        bot: Bot = data["bot"]
        responder = Responder(bot)
        if self.gate is not None:
            async with self.gate:
                result = await self._run(handler, event, data, responder)
        else:
            result = await self._run(handler, event, data, responder)
        await responder.flush()
        return result

    async def _run(self, handler: Handler, event: TelegramObject, data: dict[str, Any],
                   responder: Responder) -> Any:
        async with self.sessions() as session:
            data["session"], data["responder"] = session, responder
            result = await handler(event, data)
            await session.commit()
        return result


class PersonMiddleware(BaseMiddleware):
    """The person's row, looked up once (`data["person"]`, None before their first message is
    stored), with `extras` read in the same SELECT (bot.engine.handoff.person_extras), and
    their language (`data["user_lang"]`: users.lang, else Telegram's hint), active for
    `bot.i18n.gettext` while the handler runs."""

    def __init__(self, catalogs: Catalogs, default_lang: Lang, langs: LangMemo | None = None, *,
                 extras: repo.Extras | None = None) -> None:
        self.catalogs, self.default_lang = catalogs, default_lang
        self.langs = langs or LangMemo()
        self.lookup = repo.PersonLookup(extras)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        lang: Lang = self.default_lang
        user = None
        if tg_user is not None:
            lang = guess_lang(tg_user.language_code, self.default_lang)
            if not tg_user.is_bot:
                user = await repo.get_user(data["session"], transport=TRANSPORT, external_id=str(tg_user.id),
                                           lookup=self.lookup)
                if user is not None and is_lang(user.lang):
                    lang = user.lang
                    self.langs.put(tg_user.id, lang)
        data["person"], data["user_lang"] = user, lang
        with i18n.activate(self.catalogs, lang):
            return await handler(event, data)
