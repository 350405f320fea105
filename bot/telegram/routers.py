"""All routers, wired in one place. Filters sit on the parent routers: the person's journeys
see private chats only; the operator router sees the operators' group only; any other group
is left."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import ChatMemberUpdated, Message

from bot.settings import Settings
from bot.telegram import handoff, news, operator_group, questions, reminders, start_language
from bot.telegram.filters import instant
from bot.telegram.forum import OperatorsChat


def person_router() -> Router:
    r = Router(name="person")
    r.message.filter(instant(F.chat.type == ChatType.PRIVATE))
    r.edited_message.filter(instant(F.chat.type == ChatType.PRIVATE))
    r.callback_query.filter(instant(F.message.chat.type == ChatType.PRIVATE))
    # Order matters: the catch-all questions router comes last.
    # news (bot.telegram.news) first: its /start is the usual one plus the offer of news.
    r.include_routers(news.router(), start_language.router(), handoff.router(), reminders.router(),
                      questions.router())
    return r


def _is_other_group(chat_id: int, chat_type: str, operators: OperatorsChat) -> bool:
    return chat_type in {ChatType.GROUP, ChatType.SUPERGROUP, ChatType.CHANNEL} and \
        chat_id != operators.chat_id


async def leave_message(message: Message) -> None:
    await message.chat.leave()


async def leave_membership(event: ChatMemberUpdated) -> None:
    if event.new_chat_member.status in {"member", "administrator"}:
        await event.chat.leave()


def other_groups_router(operators: OperatorsChat) -> Router:
    """Hamroh talks to people one to one; a group it was added to is left at once (what a
    person writes there would be seen by everyone in it)."""
    r = Router(name="other_groups")
    r.message.filter(instant(lambda m: _is_other_group(m.chat.id, m.chat.type, operators)))
    r.my_chat_member.filter(instant(lambda e: _is_other_group(e.chat.id, e.chat.type, operators)))
    r.message.register(leave_message)
    r.my_chat_member.register(leave_membership)
    return r


def get_routers(settings: Settings, operators: OperatorsChat | None = None) -> list[Router]:
    operators = operators or OperatorsChat(settings.telegram.operators_chat_id)
    return [person_router(), operator_group.router(operators), other_groups_router(operators)]
