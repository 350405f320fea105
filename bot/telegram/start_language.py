"""Journey: /start, the language picker, /privacy and /forget."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.handoff import HandoffPort
from bot.engine.types import LANG_PREFIX, Button
from bot.i18n import gettext as _
from bot.telegram import incoming, privacy
from bot.telegram.dialogue import CaseMirror, Dialogue, converse, stored_data_notice
from bot.telegram.filters import instant
from bot.telegram.render import Responder
from nlu.languages import Lang

FORGET_YES, FORGET_NO = "forget:yes", "forget:no"


async def on_start(message: Message, dialogue: Dialogue, session: AsyncSession, responder: Responder,
                   forum: CaseMirror | None = None) -> None:
    await converse(incoming.from_command(message, "start"), dialogue=dialogue, session=session,
                   responder=responder, chat_id=message.chat.id, forum=forum)


async def on_language(message: Message, dialogue: Dialogue, session: AsyncSession,
                      responder: Responder, forum: CaseMirror | None = None) -> None:
    await converse(incoming.from_command(message, "language"), dialogue=dialogue, session=session,
                   responder=responder, chat_id=message.chat.id, forum=forum)


async def on_lang_button(query: CallbackQuery, dialogue: Dialogue, session: AsyncSession,
                         responder: Responder, forum: CaseMirror | None = None) -> None:
    responder.later(query.answer)
    if query.message is None:
        return
    await converse(incoming.from_button(query, query.message.chat.id), dialogue=dialogue,
                   session=session, responder=responder, chat_id=query.message.chat.id, forum=forum)


def privacy_text(lang: Lang, days: int) -> str:
    return "\n\n".join([
        _("<b>Your privacy</b>", locale=lang),
        _("Hamroh is not the police, not the migration service and not an employer, and it "
          "does not pass your messages to them.", locale=lang),
        _("What is stored: your Telegram user id (a number, not your phone number), the "
          "language you chose, and what you write to the bot. If you ask for a person, hotline "
          "operators see your conversation.", locale=lang),
        stored_data_notice(lang, days),
        _("Tip: if someone else may look at your phone, delete this chat after reading.",
          locale=lang),
    ])


async def on_privacy(message: Message, retention_days: int, responder: Responder, user_lang: Lang) -> None:
    responder.text(message.chat.id, privacy_text(user_lang, retention_days))


async def on_forget(message: Message, responder: Responder) -> None:
    responder.text(message.chat.id, _(
        "This deletes everything I have stored about you: your messages, your language and any "
        "request to the hotline (an open one is closed). It cannot be undone. Delete now?"),
        [[Button(_("Yes, delete everything"), FORGET_YES), Button(_("No, keep it"), FORGET_NO)]])


async def on_forget_button(query: CallbackQuery, handoff: HandoffPort, session: AsyncSession,
                           responder: Responder, forum: object | None = None) -> None:
    responder.later(query.answer)
    if query.message is None:
        return
    chat_id, message_id = query.message.chat.id, query.message.message_id
    if query.data != FORGET_YES:
        responder.edit(chat_id, message_id, _("All right, nothing was deleted."))
        return
    done = await privacy.forget(session, handoff=handoff, external_id=str(chat_id))
    responder.edit(chat_id, message_id, _("Done: everything I stored about you is deleted. If you "
                                          "write again, I will start from the beginning.")
                   if done.existed else _("There is nothing stored about you."))
    on_forgotten = getattr(forum, "forgotten", None)
    if on_forgotten is not None and (done.closed_case is not None or done.topics):
        responder.after_flush.append(lambda: on_forgotten(done.closed_case, done.topics))


def router() -> Router:
    r = Router(name="start_language")
    r.message.register(on_start, CommandStart())
    r.message.register(on_language, Command("language"))
    r.message.register(on_privacy, Command("privacy"))
    r.message.register(on_forget, Command("forget"))
    r.callback_query.register(on_lang_button, instant(F.data.startswith(LANG_PREFIX)))
    r.callback_query.register(on_forget_button, instant(F.data.in_({FORGET_YES, FORGET_NO})))
    return r
