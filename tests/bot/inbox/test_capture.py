"""Capture through the real engine and NLU: what qualifies lands in the inbox, redacted, with
language, top-3 guesses and risk; confident answers cost nothing; /forget and retention
remove the rows (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.store import ContentStore
from bot.engine.engine import Engine
from bot.engine.handoff import RecordingHandoff
from bot.i18n import Catalogs
from bot.inbox import repo as inbox_repo
from bot.inbox.capture import InboxCapture
from bot.inbox.config import InboxSettings
from bot.inbox.models import InboxItem
from bot.storage import repo
from bot.storage.db import make_sessionmaker
from tests.bot.engine.real_nlu import ROOT, real_understander
from tests.bot.engine.talk import Conversation

NONSENSE = "мой кот любит смотреть на аквариум с рыбками по вечерам"


def _engine() -> Engine:
    content = ContentStore(ROOT / "content")
    content.reload()
    return Engine(content=content, understander=real_understander(), catalogs=Catalogs.load(),
                  handoff=RecordingHandoff(), capture=InboxCapture(InboxSettings()))


async def _rows(db: AsyncEngine) -> list[InboxItem]:
    async with make_sessionmaker(db)() as session:
        return list((await session.scalars(select(InboxItem).order_by(InboxItem.id))).all())


async def test_fallback_is_captured_redacted_and_confident_answers_are_not(any_engine: AsyncEngine) -> None:
    talk = Conversation(_engine(), any_engine, user="capture-1")
    await talk.start("ru")
    confident = await talk.send("text", "как оплатить патент")
    assert confident.topic == "docs_patent_payment"
    assert await _rows(any_engine) == []
    out = await talk.send("text", f"меня зовут Рустам, тел +7 999 123-45-67. {NONSENSE}")
    rows = await _rows(any_engine)
    assert len(rows) == 1, out
    row = rows[0]
    assert row.reason in ("fallback", "did_you_mean", "low_confidence")
    assert "Рустам" not in row.text and "123-45-67" not in row.text and "<name>" in row.text
    assert row.lang == "ru" and row.risk == "none" and 1 <= len(row.guesses) <= 3


async def test_a_request_for_a_person_marks_the_message_before(any_engine: AsyncEngine) -> None:
    talk = Conversation(_engine(), any_engine, user="capture-2")
    await talk.start("ru")
    answered = await talk.send("text", "как оплатить патент")
    assert answered.topic == "docs_patent_payment"
    await talk.send("command", "human")
    rows = await _rows(any_engine)
    assert [(r.reason, r.text) for r in rows] == [("handoff", "как оплатить патент")]
    assert rows[0].guesses[0][0] == "docs_patent_payment"
    await talk.send("command", "human")  # asked again: not captured twice
    assert len(await _rows(any_engine)) == 1


async def test_forget_and_retention_remove_the_rows(any_engine: AsyncEngine) -> None:
    talk = Conversation(_engine(), any_engine, user="capture-3")
    await talk.start("ru")
    await talk.send("text", NONSENSE)
    other = Conversation(talk.engine, any_engine, user="capture-4")
    await other.start("ru")
    await other.send("text", NONSENSE + " и ещё")
    assert len(await _rows(any_engine)) == 2
    sessions = make_sessionmaker(any_engine)
    async with sessions.begin() as session:
        user = await repo.get_user(session, transport="test", external_id="capture-3")
        assert user is not None
        await repo.forget_user(session, user=user)
    assert [r.text for r in await _rows(any_engine)] == [NONSENSE + " и ещё"]
    async with sessions.begin() as session:
        assert await inbox_repo.purge_old(session, days=90, now=dt.datetime.now(dt.UTC)) == 0
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
        assert await inbox_repo.purge_old(session, days=90, now=later) == 1
    assert await _rows(any_engine) == []
