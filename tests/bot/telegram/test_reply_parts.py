"""An operator's long reply goes to Telegram in parts; each sent part is recorded, so a
timeout in the middle resumes at the first unsent part instead of sending part 1 again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from bot.app import Services
from bot.composition import build_telegram
from bot.storage import repo
from hotline_router.models import Case, Message
from tests.bot.telegram.conftest import real_bot
from tests.bot.telegram.fake_bot_api import FakeBotAPI

PERSON = 8383


async def _pending_reply(services: Services, text: str) -> int:
    async with services.sessions.begin() as session:
        user, _ = await repo.get_or_create_user(session, transport="telegram", external_id=str(PERSON))
        await session.flush()
        case = Case(user_id=user.id, transport="telegram", external_id=str(PERSON), lang="ru",
                    team="ru", preferred_team="ru", status="assigned")
        session.add(case)
        await session.flush()
        msg = Message(case_id=case.id, direction="out", text=text, transport="telegram",
                      external_id=str(PERSON), status="pending")
        session.add(msg)
        await session.flush()
        return msg.id


async def test_a_timeout_after_part_one_sends_parts_two_and_three_once(
        services: Services, fake_api: FakeBotAPI) -> None:
    assert services.hotline is not None
    paragraphs = [f"Part {n}: " + "слово " * 500 for n in (1, 2, 3)]  # ~3000 characters each
    message_id = await _pending_reply(services, "\n\n".join(paragraphs))
    tg = build_telegram(services, bot=real_bot(services.settings))  # registers the Telegram sender
    worker = services.hotline.delivery
    worker.send_timeout_s = 0.5
    # Part 2 meets a 429 "retry after 2": the delivery middleware waits, the worker times out.
    fake_api.fail("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2, chat_id=PERSON, skip=1)
    try:
        assert await worker.run_once() == 0
        async with services.sessions() as session:
            msg = await session.get(Message, message_id)
        assert msg is not None and (msg.status, msg.parts_sent, msg.error) == ("pending", 1, "timed out")
        assert [t[:6] for t in fake_api.delivered_to(PERSON)] == ["Part 1"]
        async with services.sessions.begin() as session:  # the backoff has passed
            await session.execute(update(Message).where(Message.id == message_id)
                                  .values(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        assert await worker.run_once() == 1
    finally:
        await tg.bot.session.close()
    assert [t[:6] for t in fake_api.delivered_to(PERSON)] == ["Part 1", "Part 2", "Part 3"]
    async with services.sessions() as session:
        status = await session.scalar(select(Message.status).where(Message.id == message_id))
        sent = await session.scalar(select(Message.parts_sent).where(Message.id == message_id))
    assert (status, sent) == ("sent", 3)
