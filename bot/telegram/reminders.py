"""Journey: reminders of the person's own deadlines (bot.reminders).

/remind (or the "Remind me" button under the patent, registration and stay answers) asks
what to remind about, then the date: typed in any common form, "Today", or picked on a
calendar. /remind also lists the person's reminders, to change or cancel them. A patent
reminder offers the next month once paid. The buttons carry everything they need
(`CallbackData`), so they keep working after a restart; only a typed date needs the
conversation state.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.types import Button
from bot.i18n import Translator
from bot.reminders import texts
from bot.reminders.schedule import KINDS, Kind
from bot.reminders.service import ReminderProblem, Reminders, Saved
from bot.storage import repo
from bot.storage.models import User
from bot.telegram import incoming
from bot.telegram.dialogue import CaseMirror, Dialogue, converse
from bot.telegram.filters import instant
from bot.telegram.middlewares import TRANSPORT
from bot.telegram.reminder_buttons import CalCb, RemindCb, Rows, calendar_rows, date_buttons, kind_of
from bot.telegram.render import Responder, keyboard
from nlu.languages import Lang


class RemindForm(StatesGroup):
    date = State()


def _tr(dialogue: Dialogue, lang: Lang) -> Translator:
    return dialogue.catalogs[lang]


async def _person_id(session: AsyncSession, chat_id: int) -> tuple[int, str | None]:
    user, _created = await repo.get_or_create_user(session, transport=TRANSPORT, external_id=str(chat_id))
    await session.flush()
    return user.id, user.country


def _kind_rows(_: Translator) -> Rows:
    return [[Button(texts.kind_title(_, k), RemindCb(action="new", kind=k).pack())] for k in KINDS]


async def show_list(chat_id: int, *, dialogue: Dialogue, reminders: Reminders, session: AsyncSession,
                    responder: Responder, user_lang: Lang) -> None:
    _ = _tr(dialogue, user_lang)
    user_id, _country = await _person_id(session, chat_id)
    mine = await reminders.list(session, user_id=user_id)
    if not mine:
        responder.text(chat_id, _("What should I remind you about? I will write to you before the deadline."),
                       _kind_rows(_))
        return
    lines = [_("<b>Your reminders</b>")]
    rows: Rows = []
    for r in mine:
        title = texts.kind_title(_, r.kind)
        lines.append(f"• {title}: {texts.day(r.date)}")
        rows.append([Button(f"✏️ {title}", RemindCb(action="change", kind=r.kind, id=r.id).pack()),
                     Button("✖", RemindCb(action="cancel", id=r.id).pack())])
    lines.append(_("Add or change a reminder:"))
    responder.text(chat_id, "\n".join(lines), rows + _kind_rows(_))


async def on_remind(message: Message, dialogue: Dialogue, reminders: Reminders, session: AsyncSession,
                    responder: Responder, user_lang: Lang, state: FSMContext) -> None:
    if not reminders.settings.enabled:  # turned off: /remind is an unknown command like any other
        raise SkipHandler()
    await state.clear()
    await show_list(message.chat.id, dialogue=dialogue, reminders=reminders, session=session,
                    responder=responder, user_lang=user_lang)


async def _ask(chat_id: int, _: Translator, kind: Kind, reminder_id: int, state: FSMContext,
               responder: Responder) -> None:
    await state.set_state(RemindForm.date)
    await state.update_data(kind=kind, reminder_id=reminder_id)
    responder.text(chat_id, texts.ask_date(_, kind), date_buttons(_, kind, reminder_id))


async def _save(chat_id: int, _: Translator, kind: Kind, reminder_id: int, date: dt.date | str, *,
                reminders: Reminders, session: AsyncSession, responder: Responder, state: FSMContext) -> None:
    """Parse (if typed), check and save; a problem is told and the question stays open."""
    user_id, country = await _person_id(session, chat_id)
    try:
        day = reminders.parse(date, kind=kind, country=country) if isinstance(date, str) else date
        saved = await reminders.set(session, user_id=user_id, country=country, kind=kind, date=day,
                                    reminder_id=reminder_id or None)
    except ReminderProblem as exc:
        await state.set_state(RemindForm.date)
        await state.update_data(kind=kind, reminder_id=reminder_id)
        responder.text(chat_id, texts.problem(_, exc.reason), date_buttons(_, kind, reminder_id))
        return
    await state.clear()
    _confirm(chat_id, _, saved, country, responder)


def _confirm(chat_id: int, _: Translator, saved: Saved, country: str | None, responder: Responder) -> None:
    text = texts.confirmation(_, saved.kind, date=saved.date, deadline=saved.deadline, times=saved.times,
                              country=country)
    responder.text(chat_id, text, [[Button(_("📋 My reminders"), RemindCb(action="list").pack())]])


async def on_button(query: CallbackQuery, callback_data: RemindCb, dialogue: Dialogue, reminders: Reminders,
                    session: AsyncSession, responder: Responder, user_lang: Lang, state: FSMContext) -> None:
    responder.later(query.answer)
    if query.message is None:
        return
    chat_id, _ = query.message.chat.id, _tr(dialogue, user_lang)
    action, kind = callback_data.action, kind_of(callback_data.kind)
    if action == "list":
        await show_list(chat_id, dialogue=dialogue, reminders=reminders, session=session,
                        responder=responder, user_lang=user_lang)
    elif action == "stop":
        await state.clear()
        responder.edit(chat_id, query.message.message_id, _("All right, no reminder was set."))
    elif action == "cancel":
        user_id, _country = await _person_id(session, chat_id)
        done = await reminders.cancel(session, user_id=user_id, reminder_id=callback_data.id)
        responder.text(chat_id, _("The reminder is cancelled.") if done else _("This reminder no longer exists."),
                       [[Button(_("📋 My reminders"), RemindCb(action="list").pack())]])
    elif action == "next":
        user_id, country = await _person_id(session, chat_id)
        try:
            saved = await reminders.next_month(session, user_id=user_id, country=country,
                                               reminder_id=callback_data.id)
        except ReminderProblem as exc:
            responder.text(chat_id, texts.problem(_, exc.reason))
            return
        if saved is None:
            responder.text(chat_id, _("This reminder no longer exists."), _kind_rows(_))
            return
        _confirm(chat_id, _, saved, country, responder)
    elif kind is None:
        responder.text(chat_id, _("This button is out of date. Send /remind to start again."))
    elif action in ("new", "change"):
        await _ask(chat_id, _, kind, callback_data.id, state, responder)
    elif action == "today":
        _user_id, country = await _person_id(session, chat_id)
        await _save(chat_id, _, kind, callback_data.id, reminders.today(country), reminders=reminders,
                    session=session, responder=responder, state=state)
    elif action == "pick":
        _user_id, country = await _person_id(session, chat_id)
        today = reminders.today(country)
        responder.text(chat_id, _("Choose the day:"), calendar_rows(kind, callback_data.id, today.year, today.month))


async def on_calendar(query: CallbackQuery, callback_data: CalCb, dialogue: Dialogue, reminders: Reminders,
                      session: AsyncSession, responder: Responder, user_lang: Lang, state: FSMContext,
                      bot: Bot) -> None:
    responder.later(query.answer)
    if query.message is None:
        return
    chat_id, _, kind = query.message.chat.id, _tr(dialogue, user_lang), kind_of(callback_data.kind)
    if kind is None or not 1 <= callback_data.m <= 12 or not 1900 < callback_data.y < 2200:
        responder.text(chat_id, _("This button is out of date. Send /remind to start again."))
        return
    if callback_data.action == "nav":
        markup = keyboard(calendar_rows(kind, callback_data.id, callback_data.y, callback_data.m))
        message_id = query.message.message_id

        async def _turn() -> None:
            # "not modified" (the month title pressed) or too old to edit: nothing to do
            with contextlib.suppress(TelegramBadRequest):
                await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=markup)
        responder.later(_turn)
        return
    try:
        day = dt.date(callback_data.y, callback_data.m, callback_data.d)
    except ValueError:
        responder.text(chat_id, texts.problem(_, "no_such_day"))
        return
    await _save(chat_id, _, kind, callback_data.id, day, reminders=reminders, session=session,
                responder=responder, state=state)


def _looks_like_a_question(text: str) -> bool:
    words = text.split()
    return len(text) > 64 or (len(words) > 3 and not any(ch.isdigit() for ch in text))


async def on_typed_date(message: Message, dialogue: Dialogue, reminders: Reminders, session: AsyncSession,
                        responder: Responder, user_lang: Lang, state: FSMContext,
                        forum: CaseMirror | None = None) -> None:
    text = message.text or ""
    if text.startswith("/"):  # a command: leave the question and let its handler answer
        await state.clear()
        raise SkipHandler()
    data = await state.get_data()
    kind, reminder_id = kind_of(str(data.get("kind", ""))), int(data.get("reminder_id") or 0)
    if kind is None or _looks_like_a_question(text):
        await state.clear()  # a question in words, not a date: the bot answers it
        await converse(incoming.from_text(message), dialogue=dialogue, session=session,
                       responder=responder, chat_id=message.chat.id, forum=forum)
        return
    await _save(message.chat.id, _tr(dialogue, user_lang), kind, reminder_id, text, reminders=reminders,
                session=session, responder=responder, state=state)


async def on_not_text(message: Message, dialogue: Dialogue, session: AsyncSession, responder: Responder,
                      user_lang: Lang, state: FSMContext, person: User | None = None) -> None:
    if person is not None and await dialogue.handoff.open_case_id(session, user=person) is not None:
        await state.clear()  # a photo or voice for the operator: the hotline gets it
        raise SkipHandler()
    _ = _tr(dialogue, user_lang)
    data = await state.get_data()
    kind = kind_of(str(data.get("kind", ""))) or "patent"
    responder.text(message.chat.id, _("Please send the date as text, or choose it below."),
                   date_buttons(_, kind, int(data.get("reminder_id") or 0)))


def router() -> Router:
    r = Router(name="reminders")
    r.message.register(on_remind, Command("remind", "reminders"))
    r.callback_query.register(on_button, RemindCb.filter())
    r.callback_query.register(on_calendar, CalCb.filter())
    r.message.register(on_typed_date, StateFilter(RemindForm.date), instant(F.text))
    r.message.register(on_not_text, StateFilter(RemindForm.date))
    return r
