"""Journey: reaching a person at the hotline (/human, the offer's buttons, the check question's
Yes / No, /cancel).

While a case is open the engine passes every message to it (and, with the operators' forum,
`converse` mirrors it into the case's topic); these handlers only start and leave it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.types import CHECK_NO, CHECK_YES, HANDOFF_NO, HANDOFF_YES
from bot.telegram import incoming
from bot.telegram.dialogue import CaseMirror, Dialogue, converse
from bot.telegram.filters import instant
from bot.telegram.render import Responder


async def on_command(message: Message, dialogue: Dialogue, session: AsyncSession,
                     responder: Responder, forum: CaseMirror | None = None) -> None:
    await converse(incoming.from_command(message, incoming.command_name(message.text or "")),
                   dialogue=dialogue, session=session, responder=responder,
                   chat_id=message.chat.id, forum=forum)


async def on_offer_button(query: CallbackQuery, dialogue: Dialogue, session: AsyncSession,
                          responder: Responder, forum: CaseMirror | None = None) -> None:
    responder.later(query.answer)
    if query.message is None:
        return
    chat_id = query.message.chat.id
    # Take the buttons off the offer so a second tap cannot ask twice.
    message_id = query.message.message_id
    responder.later(lambda: query.bot.edit_message_reply_markup(  # type: ignore[union-attr]
        chat_id=chat_id, message_id=message_id, reply_markup=None))
    await converse(incoming.from_button(query, chat_id), dialogue=dialogue, session=session,
                   responder=responder, chat_id=chat_id, forum=forum)


def router() -> Router:
    r = Router(name="handoff")
    r.message.register(on_command, Command("human", "cancel"))
    r.callback_query.register(on_offer_button, instant(F.data.in_({HANDOFF_YES, HANDOFF_NO}) |
                              F.data.startswith(CHECK_YES) | F.data.startswith(CHECK_NO)))
    return r
