"""End to end in polling mode: aiogram's real client long-polls the fake Bot API server."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bot.app import Services
from hotline_router import operators
from hotline_router.models import Case, Message
from hotline_router.operations import Operations
from tests.bot.telegram.conftest import eventually, polling
from tests.bot.telegram.fake_bot_api import FakeBotAPI

PERSON = 4242


async def _start(api: FakeBotAPI, lang: str = "ru") -> None:
    api.send_text(PERSON, "/start")
    await api.wait_for("sendMessage", chat_id=PERSON, count=2)
    api.press(PERSON, f"lang:{lang}")
    await api.wait_for("sendMessage", chat_id=PERSON, count=3)


async def _operator(services: Services, username: str = "dilnoza") -> object:
    async with services.sessions.begin() as session:
        return await operators.add(session, username=username, password="correct horse 1", role="supervisor")


async def test_start_says_what_is_stored_then_language_picker(services: Services, fake_api: FakeBotAPI) -> None:
    async with polling(services):
        fake_api.send_text(PERSON, "/start", lang="uz")
        welcome, picker = await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
        assert "Hamroh" in welcome.text and "/forget" in welcome.text and "90" in welcome.text
        assert "\n\n" not in welcome.text  # one short paragraph
        assert picker.buttons() == ["lang:tg", "lang:ru", "lang:uz"]
        assert "✓" in picker.params["reply_markup"]["inline_keyboard"][0][2]["text"]
        fake_api.press(PERSON, "lang:tg")
        menu = (await fake_api.wait_for("sendMessage", chat_id=PERSON, count=3))[-1]
        assert menu.buttons()[:4] == ["area:rights", "area:jobs", "area:docs", "area:help"]
        assert "Мавзӯъ" in menu.text  # Tajik now
        assert fake_api.calls_of("answerCallbackQuery")


async def test_question_answered_with_buttons_and_a_button_press(services: Services, fake_api: FakeBotAPI) -> None:
    async with polling(services):
        await _start(fake_api)
        fake_api.send_text(PERSON, "Как получить патент")
        answer = (await fake_api.wait_for("sendMessage", chat_id=PERSON, count=4))[-1]
        expected = services.content.content.answer("ru", "docs_patent")
        assert expected is not None and answer.text.startswith(expected.text[:40])
        assert "menu" in answer.buttons()
        related = [b for b in answer.buttons() if b.startswith("t:")]
        assert related, "related topics are offered as buttons"
        fake_api.press(PERSON, related[0])
        pressed = (await fake_api.wait_for("sendMessage", chat_id=PERSON, count=5))[-1]
        topic = services.content.content.answer("ru", related[0].removeprefix("t:"))
        assert topic is not None and pressed.text.startswith(topic.text[:40])


async def test_old_or_unknown_button_answers_clearly(services: Services, fake_api: FakeBotAPI) -> None:
    async with polling(services):
        await _start(fake_api)
        fake_api.press(PERSON, "t:no_such_topic_any_more")
        replies = await fake_api.wait_for("sendMessage", chat_id=PERSON, count=5)
        assert "больше не действует" in replies[3].text


async def test_high_risk_case_and_operator_reply_from_console(services: Services, fake_api: FakeBotAPI) -> None:
    assert services.hotline is not None
    op = await _operator(services)
    async with polling(services):
        await _start(fake_api)
        fake_api.send_text(PERSON, "Хозяин забрал паспорт")
        safety = (await fake_api.wait_for("sendMessage", chat_id=PERSON, count=4))[3]
        assert "112" in safety.text and "handoff:yes" in safety.buttons()
        fake_api.press(PERSON, "handoff:yes")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text)
        assert fake_api.calls_of("editMessageReplyMarkup", PERSON), "the offer's buttons are taken off"
        async with services.sessions() as session:
            case = await session.scalar(select(Case).where(Case.external_id == str(PERSON)))
        assert case is not None and case.level == "high" and "retention_of_documents" in case.indicators
        # While the case is open the bot does not answer: the message goes to the case.
        before = len(fake_api.texts_to(PERSON))
        fake_api.send_text(PERSON, "Помогите пожалуйста")

        async def relayed() -> int | None:
            async with services.sessions() as session:
                return await session.scalar(select(func.count()).select_from(Message).where(
                    Message.case_id == case.id, Message.direction == "in"))
        assert await eventually(relayed) == 1
        assert len(fake_api.texts_to(PERSON)) == before
        ops = Operations(services.hotline)
        await ops.claim(op, case.id, ip="test")  # type: ignore[arg-type]
        await ops.reply(op, case.id, "Здравствуйте, я <оператор>. Где вы сейчас?", ip="test")  # type: ignore[arg-type]
        reply = await fake_api.wait_for("sendMessage", chat_id=PERSON,
                                        where=lambda c: "Где вы сейчас" in c.text)
        assert "&lt;оператор&gt;" in reply[0].text  # operator text is escaped, never markup


async def test_operator_reply_to_a_person_who_blocked_the_bot_is_undelivered(
        services: Services, fake_api: FakeBotAPI) -> None:
    assert services.hotline is not None
    op = await _operator(services)
    async with polling(services):
        await _start(fake_api)
        fake_api.send_text(PERSON, "/human")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=4)
        async with services.sessions() as session:
            case = await session.scalar(select(Case).where(Case.external_id == str(PERSON)))
        assert case is not None
        fake_api.blocked.add(PERSON)
        ops = Operations(services.hotline)
        await ops.claim(op, case.id, ip="test")  # type: ignore[arg-type]
        async def failed() -> bool | None:
            async with services.sessions() as session:
                return await session.scalar(select(Case.delivery_failed).where(Case.id == case.id))
        assert await eventually(failed), "the case shows the reply as undelivered"
        async with services.sessions() as session:
            msg = await session.scalar(select(Message).where(Message.case_id == case.id,
                                                             Message.direction != "in"))
        assert msg is not None and msg.status == "failed" and msg.attempts == 1  # no pointless retries
        assert "blocked" in (msg.error or "")


async def test_commands_during_a_handoff_reach_the_operator_and_get_a_notice(
        services: Services, fake_api: FakeBotAPI) -> None:
    """/menu, /help and /human again go to the operator, and the person is told (in their
    language) that a person handles the conversation and how to leave: never silence."""
    async with polling(services):
        await _start(fake_api, lang="tg")
        fake_api.send_text(PERSON, "/human")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text)
        before = len(fake_api.texts_to(PERSON))
        for command in ("/menu", "/help", "/human"):
            fake_api.send_text(PERSON, command)
        notices = await fake_api.wait_for("sendMessage", chat_id=PERSON, count=before + 3)
        for notice in notices[before:]:
            assert "хати боварӣ" in notice.text and "/cancel" in notice.text  # Tajik
            assert not notice.buttons()  # not the menu, not the help text
        async with services.sessions() as session:
            relayed = (await session.execute(select(Message.kind, Message.text).where(
                Message.direction == "in").order_by(Message.id))).all()
        assert [tuple(r) for r in relayed] == [("command", "menu"), ("command", "help"), ("command", "human")]
        async with services.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Case)) == 1  # no second case


async def test_forget_after_confirmation_deletes_and_closes_the_case(services: Services, fake_api: FakeBotAPI) -> None:
    from bot.storage.models import Event, User
    from hotline_router.models import Alert

    async with polling(services):
        await _start(fake_api)
        fake_api.send_text(PERSON, "/human")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=4)
        fake_api.send_text(PERSON, "/forget")
        confirm = (await fake_api.wait_for("sendMessage", chat_id=PERSON, count=5))[-1]
        assert confirm.buttons() == ["forget:yes", "forget:no"]
        fake_api.press(PERSON, "forget:yes", message_id=77)
        edit = (await fake_api.wait_for("editMessageText", chat_id=PERSON))[0]
        assert edit.params["message_id"] == 77 and "удалено" in edit.text
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(Event)) == 0
        assert await session.scalar(select(func.count()).select_from(Case)) == 0
        alert = await session.scalar(select(Alert).where(Alert.kind == "forgotten"))
    assert alert is not None and "/forget" in alert.message  # the operators' note


async def test_retry_after_429_is_honoured(services: Services, fake_api: FakeBotAPI) -> None:
    async with polling(services) as tg:
        fake_api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=PERSON)
        started = time.perf_counter()
        fake_api.send_text(PERSON, "/start")
        calls = await fake_api.wait_for("sendMessage", chat_id=PERSON, count=3)
        assert calls[1].at - calls[0].at >= 0.95  # waited retry_after before sending again
        assert calls[1].text == calls[0].text  # the same message, not lost
        assert time.perf_counter() - started < 30  # not the 600 s a wrong unit would wait
        assert tg.delivery.retries == 1


async def test_non_text_messages(services: Services, fake_api: FakeBotAPI) -> None:
    async with polling(services):
        await _start(fake_api)
        voice = {"file_id": "VOICE1", "file_unique_id": "v1", "duration": 3}
        fake_api.push({"message": fake_api.message(PERSON, voice=voice)})
        polite = (await fake_api.wait_for("sendMessage", chat_id=PERSON, count=4))[-1]
        assert "текстовые" in polite.text
        fake_api.push({"message": fake_api.message(PERSON, sticker={
            "file_id": "ST", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
            "is_animated": False, "is_video": False})})
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=5)
        edited = fake_api.message(PERSON, "Как получить патент", edit_date=int(time.time()))
        fake_api.push({"edited_message": edited})
        note = (await fake_api.wait_for("sendMessage", chat_id=PERSON, count=6))[-1]
        assert "новые сообщения" in note.text
        # Inside a handoff a photo reaches the case with its file, which the console can open.
        fake_api.send_text(PERSON, "/human")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=7)
        photo = [{"file_id": "PH_small", "file_unique_id": "p1", "width": 90, "height": 90},
                 {"file_id": "PH_big", "file_unique_id": "p2", "width": 1280, "height": 960}]
        fake_api.push({"message": fake_api.message(PERSON, photo=photo, caption="договор")})
        from bot.telegram.models import HandoffFile

        async def file_row() -> HandoffFile | None:
            async with services.sessions() as session:
                return await session.scalar(select(HandoffFile))
        stored = await eventually(file_row)
        assert stored is not None and stored.file_id == "PH_big" and stored.caption == "договор"
        async with services.sessions() as session:
            texts = (await session.scalars(select(Message.text).where(Message.direction == "in"))).all()
        assert "[photo] договор" in texts


async def test_group_chats_are_left(services: Services, fake_api: FakeBotAPI) -> None:
    async with polling(services):
        group = {"id": -100555, "type": "supergroup", "title": "Some group"}
        fake_api.push({"message": fake_api.message(PERSON, "hello everyone", chat=group)})
        left = await fake_api.wait_for("leaveChat")
        assert left[0].chat_id == -100555
        assert not fake_api.texts_to(-100555)


async def test_flood_control_answers_politely_once(services: Services, fake_api: FakeBotAPI) -> None:
    services.settings.telegram.flood_burst = 3
    services.settings.telegram.flood_per_minute = 1
    async with polling(services) as tg:
        for _ in range(6):
            fake_api.send_text(PERSON, "/help")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=4)
        await fake_api.wait_for("sendMessage", chat_id=PERSON,
                                where=lambda c: "112" in c.text)
        await eventually(lambda: tg.flood.dropped >= 3)
        texts = fake_api.texts_to(PERSON)
        assert sum("112" in t for t in texts) == 1  # one notice, not one per dropped message
        assert tg.flood.dropped == 3 and len(texts) == 5  # welcome + picker, help, help, notice
