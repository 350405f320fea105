"""The hotline's way to reach people on Telegram (its `Sender` for transport "telegram") and
the supervisors' chat (its `ChatNotifier`'s send function).

Operator text is plain text: it is escaped, so nothing an operator types is read as markup.
A person who blocked the bot cannot be reached: the reply is marked failed at once (no
retries), so the case shows it as undelivered, and the operators' forum gets a note.

A reply over 4096 characters goes as several messages. The delivery worker sends them one
by one (`parts` / `send_part`, the relay's `PartSender`) and records each sent part, so a
retry after a timeout or a 429 sends only the parts that have not gone out.
"""

from __future__ import annotations

import html

import structlog
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.forum import ForumRelay
from bot.telegram.render import split_text
from hotline_router.models import Case, case_is_open
from hotline_router.relay import DeliveryResult

log = structlog.get_logger(__name__)
BLOCKED = "blocked: the person has blocked the bot or deleted their account"


class TelegramSender:
    def __init__(self, bot: Bot, *, forum: ForumRelay | None = None,
                 sessions: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.bot, self.forum, self.sessions = bot, forum, sessions

    @staticmethod
    def parts(text: str) -> list[str]:
        return split_text(html.escape(text, quote=False))

    async def send(self, external_id: str, text: str) -> DeliveryResult:
        """Every part at once (the worker uses `send_part` to resume where it stopped)."""
        for part in self.parts(text):
            result = await self.send_part(external_id, part)
            if not result.ok:
                return result
        return DeliveryResult(ok=True)

    async def send_part(self, external_id: str, part: str) -> DeliveryResult:
        """One message of the reply, already escaped and under Telegram's limit."""
        try:
            chat_id = int(external_id)
        except ValueError:
            return DeliveryResult(ok=False, error=f"not a Telegram chat id: {external_id!r}", retry=False)
        result = await self._send(chat_id, [part])
        if not result.ok and not result.retry and result.error == BLOCKED:
            await self._tell_forum(external_id)
        return result

    async def send_to_chat(self, chat_id: int, text: str) -> DeliveryResult:
        return await self._send(chat_id, self.parts(text))

    async def _send(self, chat_id: int, parts: list[str]) -> DeliveryResult:
        try:
            for part in parts:
                await self.bot.send_message(chat_id, part)
        except TelegramForbiddenError:
            log.info("telegram.undelivered_blocked", chat=chat_id)
            return DeliveryResult(ok=False, error=BLOCKED, retry=False)
        except TelegramRetryAfter as e:  # still limited after the delivery middleware's retries
            return DeliveryResult(ok=False, error="rate limited by Telegram", retry_after=float(e.retry_after))
        except TelegramBadRequest as e:  # "chat not found" and the like: retrying cannot help
            return DeliveryResult(ok=False, error=f"refused by Telegram: {e.message}"[:250], retry=False)
        except (TelegramNetworkError, TelegramAPIError) as e:
            return DeliveryResult(ok=False, error=f"{type(e).__name__}: {e}"[:250])
        return DeliveryResult(ok=True)

    async def _tell_forum(self, external_id: str) -> None:
        if self.forum is None or self.sessions is None:
            return
        async with self.sessions() as session:
            case_id = await session.scalar(select(Case.id).where(
                Case.transport == "telegram", Case.external_id == external_id,
                case_is_open()).order_by(Case.id.desc()).limit(1))
        if case_id is not None:
            await self.forum.note(case_id, "⚠️ Not delivered: the person has blocked the bot. "
                                           "The reply is marked undelivered on the case.")
