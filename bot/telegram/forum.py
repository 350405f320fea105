"""The optional operators' forum supergroup: one topic per hotline case.

Only handed-off conversations are mirrored (every topic shares the group's ~20 messages a
minute). Known pitfalls handled here: a deleted topic ("message thread not found") is
recreated and the message sent again; "not enough rights" / "not a forum" switch mirroring
off with one clear log line (the bot must be an admin with can_manage_topics); a group that
became a supergroup (`TelegramMigrateToChat`) is followed to its new id; two first messages
at once cannot create two topics (a lock per case here, a unique case_id across processes).

The group and the console are one queue: `on_case_change` (subscribed to the hotline's
events) writes a line in the topic when a case is claimed, transferred, closed or reopened,
wherever that was done, renames the topic after its state ("Case #12 · Dilnoza", "Case #12 ·
closed"), closes and reopens it with the case, and mirrors replies sent from the console.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, TypeVar

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramMigrateToChat
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine.types import Button, Incoming
from bot.telegram.models import ForumTopic
from bot.telegram.privacy import FORGOTTEN_NOTE
from bot.telegram.render import keyboard, split_text
from hotline_router.events import CaseChange
from hotline_router.readable import describe

log = structlog.get_logger(__name__)
T = TypeVar("T")
_BROKEN = ("not enough rights", "not a forum", "chat not found", "topics are disabled",
           "bot is not a member", "have no rights")


class CaseAction(CallbackData, prefix="op"):
    """The Claim and Close buttons of a case card: `op:claim:12`, `op:close:12`."""

    action: Literal["claim", "close"]
    case: int


class CaseOutcome(CallbackData, prefix="op"):
    """An outcome picked when closing, `op:out:12:0`: an index into the routing file's
    outcomes, not the code (callback_data is limited to 64 bytes)."""

    action: Literal["out"] = "out"
    case: int
    index: int


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


TOPIC_NAME_LIMIT = 128


def change_line(change: CaseChange) -> str | None:
    """The line the topic gets for a change of the case (None: nothing to say)."""
    d, by = change.detail, change.by or "an operator"
    where = " in the console" if change.via == "console" else ""
    if change.kind == "claimed":
        return f"✋ Claimed by {by}{where}."
    if change.kind == "transferred":
        target = d.get("to_operator") or (f"the {d['to_team']} queue" if d.get("to_team") else "another queue")
        return f"↪ Transferred by {by}{where} to {target}."
    if change.kind == "closed":
        return f"✔ Closed by {by}{where}: {d.get('outcome', '')}."
    if change.kind == "reopened":
        return f"↩ Reopened by {by}{where}: the case is waiting in the queue again."
    if change.kind == "cancelled":
        return "🚪 The person left the queue (/cancel): the case is closed."
    if change.kind == "replied" and change.via != "forum":  # a reply typed in the topic is there already
        return f"💬 {by} (console): {change.text}"
    return None


def topic_name(change: CaseChange) -> str | None:
    """The topic's name after a change of state, so the group's list shows who has what."""
    d = change.detail
    state = {"claimed": change.by, "closed": "closed", "cancelled": "closed", "reopened": "waiting",
             "transferred": d.get("to_operator") or "waiting"}.get(change.kind)
    return f"Case #{change.case_id} · {state}"[:TOPIC_NAME_LIMIT] if state else None


def case_buttons(case_id: int) -> list[list[Button]]:
    return [[Button("✋ Claim", CaseAction(action="claim", case=case_id).pack()),
             Button("✔ Close", CaseAction(action="close", case=case_id).pack())]]


def outcome_buttons(case_id: int, outcomes: Sequence[str]) -> list[list[Button]]:
    return [[Button(code, CaseOutcome(case=case_id, index=i).pack())] for i, code in enumerate(outcomes)]


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
        else:  # a button press: its payload in words ("[button] topic: docs_patent")
            label = html.escape(describe(incoming.kind, incoming.text).text)
            await self._into_topic(case_id, person_chat_id, lambda chat, thread: self.bot.send_message(
                chat, label[:4000], message_thread_id=thread))

    async def note(self, case_id: int, text: str) -> None:
        """A line for the operators in the case's topic (if it has one)."""
        thread = await self.thread_of(case_id)
        if thread is not None:
            for part in split_text(html.escape(text, quote=False)):
                await self._quietly(lambda chat, p=part: self.bot.send_message(  # type: ignore[misc]
                    chat, p, message_thread_id=thread))

    async def on_case_change(self, change: CaseChange) -> None:
        """The queue changed (in the console or here): keep the case's topic in step."""
        thread = await self.thread_of(change.case_id)
        if thread is None or not self.chat.enabled:
            return  # no topic for this case (the forum came later, or it is off)
        if change.kind == "reopened":
            await self._quietly(lambda chat: self.bot.reopen_forum_topic(chat, thread))
        line = change_line(change)
        if line is not None:
            await self.note(change.case_id, line)
        name = topic_name(change)
        if name is not None:
            await self._quietly(lambda chat: self.bot.edit_forum_topic(chat, thread, name=name))
        if change.kind in ("closed", "cancelled"):
            await self._quietly(lambda chat: self.bot.close_forum_topic(chat, thread))

    async def forgotten(self, case_id: int | None, topics: Sequence[tuple[int, int]]) -> None:
        """/forget: the topics (copies of what the person wrote) go, a note stays."""
        for _chat, thread in topics:
            await self._quietly(lambda chat, t=thread: self.bot.delete_forum_topic(chat, t))  # type: ignore[misc]
        if case_id is not None:
            await self._quietly(lambda chat: self.bot.send_message(chat, FORGOTTEN_NOTE.format(case_id=case_id)))
