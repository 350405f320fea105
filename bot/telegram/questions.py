"""Journey: questions in words, the menu and its buttons, and what is not text.

Registered last among the person's routers: it answers whatever the others did not claim
(any other button, including old ones, and unknown commands, which the engine explains)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ContentType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.handoff import HandoffPort
from bot.engine.types import MENU, Button
from bot.i18n import gettext as _
from bot.storage import repo
from bot.telegram import incoming
from bot.telegram.dialogue import CaseMirror, Dialogue, converse
from bot.telegram.filters import instant
from bot.telegram.middlewares import TRANSPORT
from bot.telegram.render import Responder


async def on_command(message: Message, dialogue: Dialogue, session: AsyncSession,
                     responder: Responder, forum: CaseMirror | None = None) -> None:
    await converse(incoming.from_command(message, incoming.command_name(message.text or "")),
                   dialogue=dialogue, session=session, responder=responder,
                   chat_id=message.chat.id, forum=forum)


async def on_text(message: Message, dialogue: Dialogue, session: AsyncSession, responder: Responder,
                  forum: CaseMirror | None = None) -> None:
    await converse(incoming.from_text(message), dialogue=dialogue, session=session,
                   responder=responder, chat_id=message.chat.id, forum=forum)


async def on_button(query: CallbackQuery, dialogue: Dialogue, session: AsyncSession,
                    responder: Responder, forum: CaseMirror | None = None) -> None:
    responder.later(query.answer)
    if query.message is None:  # an inline-mode button: there is no chat to answer in
        return
    await converse(incoming.from_button(query, query.message.chat.id), dialogue=dialogue,
                   session=session, responder=responder, chat_id=query.message.chat.id, forum=forum)


async def on_media(message: Message, dialogue: Dialogue, session: AsyncSession, responder: Responder,
                   forum: CaseMirror | None = None) -> None:
    """Outside a handoff the engine answers politely what the bot can read; inside one the
    operator gets it (type, caption and file_id, so the console can open it)."""
    await converse(incoming.from_media(message), dialogue=dialogue, session=session,
                   responder=responder, chat_id=message.chat.id, forum=forum)


async def on_edited(message: Message, dialogue: Dialogue, handoff: HandoffPort, session: AsyncSession,
                    responder: Responder, forum: CaseMirror | None = None) -> None:
    """An edit reaches the operator during a handoff; otherwise the bot says it answers new
    messages only (answering an edit again would repeat or contradict an earlier answer)."""
    user = await repo.get_user(session, transport=TRANSPORT, external_id=str(message.chat.id))
    case_id = None if user is None else await handoff.open_case_id(session, user=user)
    if case_id is None:
        responder.text(message.chat.id, _("I only read new messages, not edited ones. Please "
                                          "send your corrected question as a new message."),
                       [[Button(_("☰ Main menu"), MENU)]])
        return
    inc = incoming.from_media(message) if message.content_type != ContentType.TEXT else incoming.from_text(message)
    inc.meta["edited"] = True
    await converse(inc, dialogue=dialogue, session=session, responder=responder,
                   chat_id=message.chat.id, forum=forum)


def router() -> Router:
    r = Router(name="questions")
    r.message.register(on_command, Command("menu", "help"))
    r.message.register(on_command, instant(F.text.startswith("/")))
    r.message.register(on_text, instant(F.text))
    r.message.register(on_media)  # everything else that is a message: photo, voice, sticker...
    r.edited_message.register(on_edited)
    r.callback_query.register(on_button)
    return r
