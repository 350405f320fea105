from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.store import ContentStore
from bot.engine.country import mentioned_country
from bot.engine.engine import Engine
from bot.engine.handoff import RecordingHandoff
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from bot.storage.models import User
from tests.bot.engine.test_engine import Conversation
from tests.doubles import ScriptedNLU, ScriptedRisk


@pytest.mark.parametrize("text,country", [
    ("меня заперли, я в Казахстане", "KZ"),
    ("Qozogʻistonda ishlayman", "KZ"),
    ("Мен Қазоқистондаман", "KZ"),
    ("ман дар Алмаато кор мекунам", "KZ"),
    ("я в Москве, хозяин бьёт", "RU"),
    ("Rossiyada ishlayapman", "RU"),
    ("Я в Корее, хозяин фермы забрал паспорт", "OTHER"),
    ("Janubiy Koreyada ishlayman", "OTHER"),
    ("я в Турции", "OTHER"),
    ("как получить патент", None),
    ("казахстан или россия, где лучше", None),
    ("", None),
])
def test_mentioned_country(text: str, country: str | None) -> None:
    assert mentioned_country(text) == country


async def test_a_place_asked_about_is_not_where_the_person_is(content_dir: Path, sqlite_engine: AsyncEngine) -> None:
    """A question about working in Korea leaves the person's country alone; a danger report
    from Kazakhstan sets it (and picks its emergency numbers)."""
    store = ContentStore(content_dir)
    store.reload()
    understander = Understander(ScriptedNLU(), ScriptedRisk(), threshold=0.5, margin=0.1, max_chars=4000)
    engine = Engine(content=store, understander=understander, catalogs=Catalogs.load(),
                    handoff=RecordingHandoff(), default_lang="ru")
    conv = Conversation(engine, sqlite_engine)
    await conv.start("ru")
    await conv.send("text", "можно ли работать в Корее по визе E-9?")
    async with conv.sessions() as session:
        user = (await session.scalars(select(User))).one()
    assert user.country is None
    out = await conv.send("text", "я в Казахстане, хозяин забрал паспорт")
    async with conv.sessions() as session:
        user = (await session.scalars(select(User))).one()
    assert user.country == "KZ" and out.risk == "high"
