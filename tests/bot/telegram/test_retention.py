"""The daily retention job of `hamroh serve`: conversation events and closed hotline cases
older than `retention_days` (the number /start promises) lose the person's words, the file
ids of what they sent and the forum topic that copied their messages; the figures stay."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.app import Services
from bot.storage.models import Event, User
from bot.telegram.models import ForumTopic, HandoffFile
from bot.telegram.serve import purge_expired
from hotline_router import operators
from hotline_router.models import Case, Message
from hotline_router.operations import Operations
from tests.bot.telegram.conftest import eventually, polling
from tests.bot.telegram.fake_bot_api import FakeBotAPI

OPS = -100777
PERSON = 5151


async def _count(services: Services, model: type) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_closed_cases_follow_the_bots_retention(services: Services, fake_api: FakeBotAPI) -> None:
    assert services.hotline is not None
    services.settings.telegram.operators_chat_id = OPS
    async with services.sessions.begin() as session:
        op = await operators.add(session, username="sup", password="correct horse 1", role="supervisor")
    async with polling(services) as tg:
        fake_api.send_text(PERSON, "/start")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
        fake_api.press(PERSON, "lang:ru")
        fake_api.send_text(PERSON, "/human")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text)
        card = (await fake_api.wait_for("sendMessage", chat_id=OPS))[0]
        photo = [{"file_id": "PASSPORT", "file_unique_id": "p", "width": 10, "height": 10}]
        fake_api.push({"message": fake_api.message(PERSON, photo=photo, caption="мой паспорт")})
        assert await eventually(lambda: _count(services, HandoffFile))
        async with services.sessions() as session:
            case = await session.scalar(select(Case))
        assert case is not None
        ops = Operations(services.hotline)
        await ops.claim(op, case.id, ip="test")
        await ops.close(op, case.id, outcome="advice_given", tags=[], ip="test")
        await services.hotline.events.drain()
        async with services.sessions() as session:
            case = await session.get(Case, case.id)
        assert case is not None and case.closed_at is not None
        assert tg.forum is not None

        # Within the period nothing goes.
        done = await purge_expired(services, tg.forum)
        assert not done.anything and await _count(services, HandoffFile) == 1

        # 91 days after the close: the same daily job takes the case's words too.
        later = case.closed_at + dt.timedelta(days=91)
        services.hotline.clock = lambda: later
        done = await purge_expired(services, tg.forum)
        assert done.cases == 1 and done.files == 1 and done.events > 0 and done.messages > 0
        assert done.users == 1  # the purged case let go of the person, so their row went too
        assert done.topics == [(OPS, card.params["message_thread_id"])]
        deleted = await fake_api.wait_for("deleteForumTopic")
        assert deleted[0].params["message_thread_id"] == card.params["message_thread_id"]
    for model in (HandoffFile, ForumTopic, Message, Event, User):
        assert await _count(services, model) == 0, model.__name__
    async with services.sessions() as session:
        kept = await session.get(Case, case.id)
    assert kept is not None and (kept.outcome, kept.lang, kept.level) == ("advice_given", "ru", case.level)
    assert kept.transcript == [] and kept.external_id == "" and kept.closed_at == case.closed_at
    assert kept.user_id is None
