"""The reminders' buttons (aiogram `CallbackData`: every button carries what it needs, so
it works after a restart), the calendar picker, the "Remind me" button under answers, and the
worker's sender to Telegram (bot.reminders.worker.NoticeSender)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.filters.callback_data import CallbackData

from bot.engine.types import MENU, Button, Outcome, Reply
from bot.i18n import Catalogs, Translator
from bot.reminders.schedule import KINDS, Kind
from bot.reminders.worker import Notice
from bot.telegram.middlewares import TRANSPORT
from bot.telegram.render import keyboard
from hotline_router.relay import DeliveryResult

Rows = list[list[Button]]


class RemindCb(CallbackData, prefix="rem"):
    action: str  # new | list | change | cancel | next | today | pick | stop
    kind: str = ""
    id: int = 0


class CalCb(CallbackData, prefix="remcal"):
    action: str  # day | nav
    kind: str
    id: int
    y: int
    m: int
    d: int = 0


def kind_of(value: str) -> Kind | None:
    return next((k for k in KINDS if k == value), None)


def date_buttons(_: Translator, kind: Kind, reminder_id: int) -> Rows:
    return [[Button(_("Today"), RemindCb(action="today", kind=kind, id=reminder_id).pack()),
             Button(_("📅 Pick a date"), RemindCb(action="pick", kind=kind, id=reminder_id).pack())],
            [Button(_("Cancel"), RemindCb(action="stop").pack())]]


def calendar_rows(kind: Kind, reminder_id: int, year: int, month: int) -> Rows:
    """A month as buttons: ‹ month ›, then weeks from Monday; empty cells do nothing."""
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    rows: Rows = [[Button("‹", CalCb(action="nav", kind=kind, id=reminder_id, y=prev_y, m=prev_m).pack()),
                   Button(f"{month:02d}.{year}", CalCb(action="nav", kind=kind, id=reminder_id, y=year,
                                                        m=month).pack()),
                   Button("›", CalCb(action="nav", kind=kind, id=reminder_id, y=next_y, m=next_m).pack())]]
    for week in calendar.Calendar().monthdayscalendar(year, month):
        rows.append([Button(str(d), CalCb(action="day", kind=kind, id=reminder_id, y=year, m=month, d=d).pack())
                     if d else Button("·", CalCb(action="nav", kind=kind, id=reminder_id, y=year, m=month).pack())
                     for d in week])
    return rows


def with_remind_button(outcome: Outcome, *, catalogs: Catalogs, topics: dict[str, str]) -> Outcome:
    """A "Remind me" row under the answers of the topics in settings (reminders.topics),
    above the menu button; not under danger replies or check questions."""
    kind = kind_of(topics.get(outcome.topic or "", ""))
    if kind is None or outcome.risk != "none" or outcome.check is not None or outcome.lang is None:
        return outcome
    _ = catalogs[outcome.lang]
    button = Button(_("⏰ Remind me"), RemindCb(action="new", kind=kind).pack())
    for i, reply in enumerate(outcome.replies):
        rows = list(reply.buttons)
        at = next((n for n, row in enumerate(rows) if any(b.payload == MENU for b in row)), None)
        if at is not None:
            rows.insert(at, (button,))
            outcome.replies[i] = Reply(reply.text, tuple(rows))
            break
    return outcome


class TelegramNoticeSender:
    """The reminder worker's way to Telegram; the bot's session paces the sends."""

    transport = TRANSPORT

    def __init__(self, bot: Bot, catalogs: Catalogs) -> None:
        self.bot, self.catalogs = bot, catalogs

    def buttons(self, notice: Notice) -> Sequence[Sequence[Button]]:
        _ = self.catalogs[notice.lang]
        rows = [[Button(_("📋 My reminders"), RemindCb(action="list").pack())]]
        if notice.kind == "patent":
            rows.insert(0, [Button(_("✅ Paid: remind me next month"),
                                   RemindCb(action="next", id=notice.reminder_id).pack())])
        return rows

    async def send(self, notice: Notice) -> DeliveryResult:
        try:
            chat_id = int(notice.external_id)
        except ValueError:
            return DeliveryResult(ok=False, error="not a Telegram chat id", retry=False)
        try:
            await self.bot.send_message(chat_id, notice.text, reply_markup=keyboard(self.buttons(notice)))
        except TelegramForbiddenError:
            return DeliveryResult(ok=False, error="blocked by the person", retry=False)
        except TelegramRetryAfter as e:
            return DeliveryResult(ok=False, error="rate limited by Telegram", retry_after=float(e.retry_after))
        except TelegramBadRequest as e:
            return DeliveryResult(ok=False, error=f"refused by Telegram: {e.message}"[:250], retry=False)
        except TelegramAPIError as e:
            return DeliveryResult(ok=False, error=f"{type(e).__name__}: {e}"[:250])
        return DeliveryResult(ok=True)
