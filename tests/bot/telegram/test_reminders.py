"""Reminders through the fake Bot API with aiogram's real client: /remind, the date typed,
picked on the calendar or "today", the "Remind me" button under answers, the reminder sent by
the worker (once) with "paid: next month", cancel, and /forget."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, update

from bot.app import Services
from bot.composition import build_services
from bot.reminders.models import Reminder, ReminderSend
from bot.reminders.service import Reminders
from bot.reminders.worker import ReminderWorker
from bot.storage.models import User
from bot.telegram.factory import TelegramApp
from bot.telegram.reminder_buttons import CalCb, RemindCb, TelegramNoticeSender
from hotline_router.models import Message
from tests.bot.telegram.conftest import eventually, polling
from tests.bot.telegram.fake_bot_api import Call, FakeBotAPI
from tests.bot.telegram.scripted import make_settings, scripted_understander

PERSON = 4242
UTC = dt.UTC


@pytest.fixture
async def services(db_url: str, fake_api: FakeBotAPI) -> AsyncIterator[Services]:
    """A burst big enough for a whole journey in one test."""
    s = await build_services(make_settings(db_url, fake_api.url, flood_burst=100),
                             understander=scripted_understander())
    yield s
    await s.close()


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


def controlled(tg: TelegramApp, services: Services, clock: Clock) -> Reminders:
    reminders = Reminders(services.settings.reminders, clock=clock)
    tg.dp.workflow_data["reminders"] = reminders
    return reminders


async def next_text(fake_api: FakeBotAPI, after: int, where: str = "") -> Call:
    calls = await fake_api.wait_for("sendMessage", chat_id=PERSON, count=after + 1,
                                    where=lambda c: where in c.text)
    return calls[-1]


async def count(services: Services, model: type) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _none_left(services: Services) -> bool:
    return await count(services, Reminder) == 0


async def start(fake_api: FakeBotAPI) -> None:
    fake_api.send_text(PERSON, "/start")
    await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
    fake_api.press(PERSON, "lang:ru")
    await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "area:docs" in c.buttons())


async def test_remind_typed_date_then_the_reminder_and_next_month(services: Services, fake_api: FakeBotAPI) -> None:
    clock = Clock(dt.datetime(2027, 1, 20, 9, tzinfo=UTC))
    async with polling(services) as tg:
        controlled(tg, services, clock)
        await start(fake_api)
        fake_api.send_text(PERSON, "/remind")
        menu = await next_text(fake_api, 0, "О чём вам напомнить")
        new_patent = RemindCb(action="new", kind="patent").pack()
        assert new_patent in menu.buttons()
        fake_api.press(PERSON, new_patent)
        ask = await next_text(fake_api, 0, "До какого числа оплачен")
        assert RemindCb(action="pick", kind="patent", id=0).pack() in ask.buttons()
        fake_api.send_text(PERSON, "31 январа")  # a typo in the month
        done = await next_text(fake_api, 0, "Сохранено")
        assert "31.01.2027" in done.text and "28.01 10:00, 30.01 10:00" in done.text
        # A wrong date: told in Russian, and the question stays open.
        fake_api.send_text(PERSON, "/remind")
        await next_text(fake_api, 0, "Ваши напоминания")
        fake_api.press(PERSON, RemindCb(action="new", kind="registration").pack())
        await next_text(fake_api, 0, "регистрация")
        fake_api.send_text(PERSON, "31.04")
        await next_text(fake_api, 0, "Такого дня нет")
        fake_api.push({"message": fake_api.message(PERSON, sticker={"file_id": "s", "file_unique_id": "u",
                                                                      "type": "regular", "width": 1, "height": 1,
                                                                      "is_animated": False, "is_video": False})})
        await next_text(fake_api, 0, "отправьте дату текстом")
        fake_api.send_text(PERSON, "1.05")
        await next_text(fake_api, 1, "Сохранено")
        assert await count(services, Reminder) == 2

        # The worker, through the bot's paced session: 28 January, 10:00 in Moscow.
        worker = ReminderWorker(services.sessions, TelegramNoticeSender(tg.bot, services.catalogs), services.catalogs,
                                services.settings.reminders, clock=clock)
        clock.now = dt.datetime(2027, 1, 28, 7, tzinfo=UTC)
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0
        reminder = await next_text(fake_api, 0, "Ваш патент оплачен до 31.01.2027")
        assert "Осталось дней: 3." in reminder.text
        async with services.sessions() as session:
            rid = (await session.scalars(select(Reminder.id).where(Reminder.kind == "patent"))).one()
        paid = RemindCb(action="next", id=rid).pack()
        assert paid in reminder.buttons()
        fake_api.press(PERSON, paid)
        nxt = await next_text(fake_api, 2, "Сохранено")
        assert "28.02.2027" in nxt.text and "25.02 10:00, 27.02 10:00" in nxt.text
        clock.now = dt.datetime(2027, 1, 30, 7, tzinfo=UTC)
        assert await worker.run_once() == 0  # the 30 January reminder went with the old date

        fake_api.press(PERSON, RemindCb(action="cancel", id=rid).pack())
        await next_text(fake_api, 0, "Напоминание отменено")
        assert await count(services, Reminder) == 1
        fake_api.send_text(PERSON, "/forget")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "forget:yes" in c.buttons())
        fake_api.press(PERSON, "forget:yes")
        await fake_api.wait_for("editMessageText", chat_id=PERSON)
        assert await eventually(lambda: _none_left(services))
        assert await count(services, ReminderSend) == 0


async def test_calendar_today_and_a_kazakh_entry_date(services: Services, fake_api: FakeBotAPI) -> None:
    clock = Clock(dt.datetime(2028, 2, 10, 9, tzinfo=UTC))
    async with polling(services) as tg:
        controlled(tg, services, clock)
        await start(fake_api)
        async with services.sessions.begin() as session:  # the person is in Kazakhstan
            await session.execute(update(User).where(User.external_id == str(PERSON)).values(country="KZ"))
        fake_api.press(PERSON, RemindCb(action="pick", kind="stay").pack())
        cal = await next_text(fake_api, 0, "Выберите день")
        day = CalCb(action="day", kind="stay", id=0, y=2028, m=2, d=1).pack()
        leap_day = CalCb(action="day", kind="stay", id=0, y=2028, m=2, d=29).pack()
        assert day in cal.buttons() and leap_day in cal.buttons()
        turn = CalCb(action="nav", kind="stay", id=0, y=2028, m=1).pack()
        fake_api.press(PERSON, turn)
        edit = await fake_api.wait_for("editMessageReplyMarkup", chat_id=PERSON)
        assert CalCb(action="day", kind="stay", id=0, y=2028, m=1, d=31).pack() in edit[-1].buttons()
        fake_api.press(PERSON, day)
        saved = await next_text(fake_api, 0, "Сохранено")
        # 90 days in any 180 from 1 February 2028 (29 days in February): 30 April.
        assert "01.02.2028" in saved.text and "30.04.2028" in saved.text and "27.04 10:00, 29.04 10:00" in saved.text
        fake_api.press(PERSON, RemindCb(action="today", kind="patent").pack())
        await next_text(fake_api, 0, "Срок слишком близко")


async def test_remind_me_under_the_patent_answer(services: Services, fake_api: FakeBotAPI) -> None:
    async with polling(services):
        await start(fake_api)
        fake_api.press(PERSON, "t:docs_patent_payment")
        answer = await next_text(fake_api, 0, "Патент действует")
        assert RemindCb(action="new", kind="patent").pack() in answer.buttons()
        assert answer.buttons()[-1] == "menu"
        before = len(fake_api.texts_to(PERSON))
        fake_api.press(PERSON, "t:docs_fines")
        other = (await fake_api.wait_for("sendMessage", chat_id=PERSON, count=before + 1))[before]
        assert not any(b.startswith("rem:") for b in other.buttons())


async def test_a_question_in_words_while_a_date_is_asked_is_answered(services: Services,
                                                                     fake_api: FakeBotAPI) -> None:
    async with polling(services):
        await start(fake_api)
        fake_api.press(PERSON, RemindCb(action="new", kind="stay").pack())
        await next_text(fake_api, 0, "Какого числа вы въехали")
        fake_api.send_text(PERSON, "/menu")  # a command leaves the question
        menu = await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "area:docs" in c.buttons())
        assert menu
        fake_api.send_text(PERSON, "5 марта")  # no longer asked: not read as a date
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=7)
        assert await count(services, Reminder) == 0


async def test_a_photo_for_the_operator_is_not_taken_for_a_date(services: Services, fake_api: FakeBotAPI) -> None:
    async with polling(services):
        await start(fake_api)
        fake_api.send_text(PERSON, "/human")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text)
        fake_api.press(PERSON, RemindCb(action="new", kind="patent").pack())
        await next_text(fake_api, 0, "До какого числа оплачен")
        photo = [{"file_id": "PHOTO-1", "file_unique_id": "p", "width": 10, "height": 10}]
        fake_api.push({"message": fake_api.message(PERSON, photo=photo, caption="мой патент")})

        async def relayed() -> bool:
            async with services.sessions() as session:
                texts = (await session.scalars(select(Message.text).where(Message.direction == "in"))).all()
            return any("мой патент" in t for t in texts)

        assert await eventually(relayed)
        assert not [t for t in fake_api.texts_to(PERSON) if "дату текстом" in t]
