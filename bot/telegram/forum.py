"""The optional operators' forum supergroup: one topic per hotline case.

Only handed-off conversations are mirrored (every topic shares the group's ~20 messages a
minute). Known pitfalls handled here: a deleted topic ("message thread not found") is
recreated and the message sent again; "not enough rights" / "not a forum" switch mirroring
off with one clear log line (the bot must be an admin with can_manage_topics); a group that
became a supergroup (`TelegramMigrateToChat`) is followed to its new id; two first messages
at once cannot create two topics (a lock per case here, a unique case_id across processes).
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramMigrateToChat
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine.types import Button, Incoming
from bot.telegram.models import ForumTopic
from bot.telegram.privacy import FORGOTTEN_NOTE
from bot.telegram.render import keyboard

log = structlog.get_logger(__name__)
T = TypeVar("T")
CLAIM, CLOSE, OUTCOME = "op:claim:", "op:close:", "op:out:"
_BROKEN = ("not enough rights", "not a forum", "chat not found", "topics are disabled",
           "bot is not a member", "have no rights")


class ForumUnavailable(Exception):
    pass


class OperatorsChat:
    """The operators' group id; it changes when a group is migrated to a supergroup."""

    def __init__(self, chat_id: int | None) -> None:
        self.chat_id = chat_id
        self.broken: str | None = None

    @property
    def enabled(self) -> bool:
        return self.chat_id is not None and self.broken is None


def case_buttons(case_id: int) -> list[list[Button]]:
    return [[Button("✋ Claim", f"{CLAIM}{case_id}"), Button("✔ Close", f"{CLOSE}{case_id}")]]


def outcome_buttons(case_id: int, outcomes: Sequence[str]) -> list[list[Button]]:
    # An index, not the code: callback_data is limited to 64 bytes.
    return [[Button(code, f"{OUTCOME}{case_id}:{i}")] for i, code in enumerate(outcomes)]


class ForumRelay:
    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession], chat: OperatorsChat,
                 *, describe: Callable[[int], Awaitable[str]] | None = None) -> None:
        self.bot, self.sessions, self.chat = bot, sessions, chat
        self.describe = describe  # the case card's text (hotline data), by case id
        self._locks: dict[int, asyncio.Lock] = {}

    # -- calls to Telegram with the pitfalls -------------------------------------------------

    async def _call(self, make: Callable[[int], Awaitable[T]]) -> T:
        if not self.chat.enabled or self.chat.chat_id is None:
            raise ForumUnavailable(self.chat.broken or "no operators' chat configured")
        try:
            return await make(self.chat.chat_id)
        except TelegramMigrateToChat as e:
            await self._migrated(e.migrate_to_chat_id)
            return await make(e.migrate_to_chat_id)
        except TelegramBadRequest as e:
            if any(s in e.message.lower() for s in _BROKEN):
                self.chat.broken = e.message
                log.error("forum.unavailable", error=e.message,
                          fix="make the bot an admin with can_manage_topics in a forum supergroup")
                raise ForumUnavailable(e.message) from e
            raise

    async def _migrated(self, new_id: int) -> None:
        old, self.chat.chat_id = self.chat.chat_id, new_id
        log.warning("forum.migrated", old=old, new=new_id, fix="set HAMROH_TELEGRAM__OPERATORS_CHAT_ID")
        async with self.sessions.begin() as session:
            await session.execute(update(ForumTopic).where(ForumTopic.chat_id == old).values(chat_id=new_id))

    # -- topics --------------------------------------------------------------------------------

    async def thread_of(self, case_id: int) -> int | None:
        async with self.sessions() as session:
            return await session.scalar(select(ForumTopic.thread_id).where(
                ForumTopic.case_id == case_id, ForumTopic.chat_id == self.chat.chat_id))

    async def case_of_thread(self, thread_id: int) -> tuple[int, str] | None:
        async with self.sessions() as session:
            row = (await session.execute(select(ForumTopic.case_id, ForumTopic.external_id).where(
                ForumTopic.chat_id == self.chat.chat_id, ForumTopic.thread_id == thread_id))).first()
        return (int(row[0]), str(row[1])) if row else None

    async def _topic(self, case_id: int, person_chat_id: int) -> int:
        lock = self._locks.setdefault(case_id, asyncio.Lock())
        async with lock:
            thread = await self.thread_of(case_id)
            if thread is not None:
                return thread
            card = await self.describe(case_id) if self.describe else f"Case #{case_id}"
            topic = await self._call(lambda chat: self.bot.create_forum_topic(chat, name=f"Case #{case_id}"))
            thread = topic.message_thread_id
            try:
                async with self.sessions.begin() as session:
                    session.add(ForumTopic(case_id=case_id, chat_id=self.chat.chat_id, thread_id=thread,
                                           external_id=str(person_chat_id)))
            except IntegrityError:
                # Another process created the topic first: keep theirs, remove ours.
                await self._quietly(lambda chat: self.bot.delete_forum_topic(chat, thread))
                found = await self.thread_of(case_id)
                if found is None:
                    raise
                return found
            await self._call(lambda chat: self.bot.send_message(
                chat, card, message_thread_id=thread, reply_markup=keyboard(case_buttons(case_id))))
            return thread

    async def _quietly(self, make: Callable[[int], Awaitable[Any]]) -> None:
        try:
            await self._call(make)
        except (TelegramAPIError, ForumUnavailable) as e:
            log.warning("forum.call_failed", error=str(e))

    async def _into_topic(self, case_id: int, person_chat_id: int,
                          send: Callable[[int, int], Awaitable[Any]]) -> None:
        """Send into the case's topic; a topic deleted by hand is recreated once."""
        try:
            thread = await self._topic(case_id, person_chat_id)
            try:
                await self._call(lambda chat: send(chat, thread))
            except TelegramBadRequest as e:
                if "thread not found" not in e.message.lower():
                    raise
                async with self.sessions.begin() as session:
                    await session.execute(delete(ForumTopic).where(ForumTopic.case_id == case_id))
                thread = await self._topic(case_id, person_chat_id)
                await self._call(lambda chat: send(chat, thread))
        except ForumUnavailable:
            return
        except TelegramAPIError as e:  # mirroring must never break the conversation itself
            log.warning("forum.mirror_failed", case=case_id, error=str(e))

    # -- what the bot calls ---------------------------------------------------------------------

    async def case_opened(self, case_id: int, person_chat_id: int) -> None:
        try:
            await self._topic(case_id, person_chat_id)
        except ForumUnavailable:
            return
        except TelegramAPIError as e:
            log.warning("forum.topic_failed", case=case_id, error=str(e))

    async def mirror(self, case_id: int, person_chat_id: int, incoming: Incoming) -> None:
        message_id = incoming.meta.get("message_id")
        if incoming.meta.get("edited") and incoming.kind == "text":
            text = "✏️ " + html.escape(incoming.text)
            await self._into_topic(case_id, person_chat_id, lambda chat, thread: self.bot.send_message(
                chat, text[:4000], message_thread_id=thread))
        elif isinstance(message_id, int):
            await self._into_topic(case_id, person_chat_id, lambda chat, thread: self.bot.copy_message(
                chat, person_chat_id, message_id, message_thread_id=thread))
        else:
            label = html.escape(f"[{incoming.kind}] {incoming.text}")
            await self._into_topic(case_id, person_chat_id, lambda chat, thread: self.bot.send_message(
                chat, label[:4000], message_thread_id=thread))

    async def note(self, case_id: int, text: str) -> None:
        """A line for the operators in the case's topic (if it has one)."""
        thread = await self.thread_of(case_id)
        if thread is not None:
            await self._quietly(lambda chat: self.bot.send_message(
                chat, html.escape(text), message_thread_id=thread))

    async def forgotten(self, case_id: int | None, topics: Sequence[tuple[int, int]]) -> None:
        """/forget: the topics (copies of what the person wrote) go, a note stays."""
        for _chat, thread in topics:
            await self._quietly(lambda chat, t=thread: self.bot.delete_forum_topic(chat, t))  # type: ignore[misc]
        if case_id is not None:
            await self._quietly(lambda chat: self.bot.send_message(chat, FORGOTTEN_NOTE.format(case_id=case_id)))
