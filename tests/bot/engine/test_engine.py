"""The dialogue engine's flows, with a scripted NLU and risk detector (no transport)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.store import ContentStore
from bot.engine.engine import Engine
from bot.engine.handoff import RecordingHandoff
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from bot.storage.db import make_sessionmaker
from bot.storage.models import HandoffRequest, User
from tests.bot.engine.talk import Conversation, payloads
from tests.doubles import SCRIPT, ScriptedNLU, ScriptedRisk


@pytest.fixture
def engine(content_dir: Path) -> Engine:
    store = ContentStore(content_dir)
    store.reload()
    understander = Understander(ScriptedNLU(), ScriptedRisk(), threshold=0.5, margin=0.1, max_chars=4000)
    return Engine(content=store, understander=understander, catalogs=Catalogs.load(),
                  handoff=RecordingHandoff(), default_lang="ru")


async def test_first_contact_welcome_and_picker_preselected_from_hint(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    out = await Conversation(engine, sqlite_engine).send("command", "start", lang_hint="uz-UZ")
    assert out.lang == "uz"
    assert "Hamroh" in out.replies[0].text
    picker = out.replies[-1].all_buttons()
    assert [b.payload for b in picker] == ["lang:tg", "lang:ru", "lang:uz"]
    assert picker[2].text.startswith("✓")


async def test_first_message_in_tajik_is_answered_in_tajik(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    out = await Conversation(engine, sqlite_engine).send("text", "патент чӣ тавр мегиранд", lang_hint="ru")
    assert out.lang == "tg"
    assert out.topic == "docs_patent"
    assert "lang:tg" in payloads(out)  # the picker follows the answer


async def test_language_pick_then_menu_area_topic(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.send("command", "start")
    out = await conv.send("button", "lang:tg")
    assert out.lang == "tg"
    assert payloads(out)[:4] == ["area:rights", "area:jobs", "area:docs", "area:help"]
    out = await conv.send("button", "area:docs")
    assert "t:docs_patent" in payloads(out)
    out = await conv.send("button", "t:docs_patent")
    assert out.topic == "docs_patent"
    assert engine.content.content.answer("tg", "docs_patent").text == out.replies[0].text  # type: ignore[union-attr]


async def test_confident_question_gets_the_answer(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    out = await conv.send("text", "Как получить патент")
    assert out.topic == "docs_patent" and out.risk == "none"
    assert out.replies[0].text == engine.content.content.answer("ru", "docs_patent").text  # type: ignore[union-attr]


async def test_uncertain_question_gets_did_you_mean(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    out = await conv.send("text", "патент или регистрация")
    assert payloads(out)[:3] == ["t:docs_patent", "t:docs_registration", "t:docs_stay_period"]
    assert "menu" in payloads(out)


async def test_out_of_scope_gets_honest_reply_and_menu(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    out = await conv.send("text", "какая погода завтра")
    assert out.topic == "out_of_scope"
    assert "area:rights" in payloads(out)


async def test_language_switch_changes_the_answers(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start("ru")
    out = await conv.send("command", "language")
    assert "lang:uz" in payloads(out)
    await conv.send("button", "lang:uz")
    out = await conv.send("text", "как получить патент")
    assert out.lang == "uz"
    assert out.replies[0].text == engine.content.content.answer("uz", "docs_patent").text  # type: ignore[union-attr]


async def test_high_risk_gets_safety_first_and_offer_then_handoff_recorded(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    out = await conv.send("text", "хозяин забрал паспорт")
    assert out.risk == "high" and out.handoff_requested
    assert "112" in out.replies[0].text
    assert "handoff:yes" in [b.payload for b in out.replies[0].all_buttons()]
    out = await conv.send("button", "handoff:yes")
    async with make_sessionmaker(sqlite_engine)() as session:
        req = await session.scalar(select(HandoffRequest))
    assert req is not None and req.level == "high" and req.indicators == ["retention_of_documents"]
    assert any(t["text"] == "хозяин забрал паспорт" for t in req.transcript)


async def test_elevated_gets_answer_and_gentle_offer(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    out = await conv.send("text", "зарплату не платят")
    assert out.risk == "elevated" and out.topic == "rights_unpaid_wages"
    assert payloads(out)[-1] == "handoff:yes"


async def test_country_button_shows_that_countrys_numbers(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    await conv.send("text", "хозяин забрал паспорт")
    out = await conv.send("button", "country:KZ")
    assert out.replies[0].text.startswith(engine.content.content.safety["ru"].countries["KZ"].text)


@pytest.mark.parametrize("text", ["", "   \n\t ", "😀😀😀", "\x00\x01\x02", "?!...", "ж" * 100_000,
                                  "паспорт pasport паспортма 护照"])
async def test_bad_input_never_crashes_and_always_replies(
    engine: Engine, sqlite_engine: AsyncEngine, text: str
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    out = await conv.send("text", text)
    assert out.replies, "every message gets a reply"


async def test_media_gets_a_polite_reply_in_the_persons_language(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start("tg")
    out = await conv.send("media", media_type="voice")
    assert "матн" in out.replies[0].text


async def test_old_button_answers_clearly(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    out = await conv.send("button", "t:no_such_topic")
    assert "area:rights" in payloads(out)


async def test_commands_help_menu(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    assert "/language" in (await conv.send("command", "help")).replies[0].text
    assert "area:help" in payloads(await conv.send("command", "menu"))


async def test_language_is_stored(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start("uz")
    async with make_sessionmaker(sqlite_engine)() as session:
        user = await session.scalar(select(User))
        count = await session.scalar(select(func.count()).select_from(User))
    assert user is not None and user.lang == "uz" and user.lang_confirmed and count == 1


async def test_country_named_in_the_message_picks_its_numbers(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    SCRIPT["хозяин забрал паспорт, я в казахстане"] = SCRIPT["хозяин забрал паспорт"]
    out = await conv.send("text", "хозяин забрал паспорт, я в Казахстане")
    assert out.replies[0].text.startswith(engine.content.content.safety["ru"].countries["KZ"].text)


async def test_danger_report_read_as_a_greeting_gets_the_danger_answer(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    SCRIPT["салам ака, хозяин забрал паспорт"] = ("ru", [("greet", 0.8), ("thanks", 0.1)])
    out = await conv.send("text", "Салам ака, хозяин забрал паспорт")
    assert out.risk == "high"
    assert out.topic == "rights_passport_taken"
    texts = [r.text for r in out.replies]
    assert engine.content.content.answer("ru", "rights_passport_taken").text in texts  # type: ignore[union-attr]
    assert engine.content.content.answer("ru", "greet").text not in texts  # type: ignore[union-attr]


async def test_human_command_after_a_danger_report_keeps_the_risk(
    engine: Engine, sqlite_engine: AsyncEngine
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    await conv.send("text", "хозяин забрал паспорт")
    out = await conv.send("command", "human")
    assert out.handoff_requested and out.risk == "high"
    assert out.indicators == ["retention_of_documents"]
