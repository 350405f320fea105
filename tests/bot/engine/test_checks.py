"""The check question after an "elevated" message and remembered danger, with the scripted NLU
and risk double (flows only; tests/bot/engine/test_danger_real.py runs the real detector)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.store import ContentStore
from bot.engine.checks import RiskFacts, check_kind, parse_answer
from bot.engine.engine import Engine
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from bot.storage import repo
from bot.storage.db import make_sessionmaker
from bot.storage.models import Event, User, utcnow
from nlu.languages import Lang
from tests.bot.engine.talk import CapturingHandoff, Conversation, payloads
from tests.doubles import Risk, ScriptedNLU, ScriptedRisk

HINT = "иногда не хочется просыпаться"
HINT_EVIDENCE = [{"indicator": "self_harm", "rule_id": "risk_self_harm", "level": "elevated"}]


class TableRisk(ScriptedRisk):
    """The scripted double plus a self-harm hint rated elevated."""

    def assess(self, text: str, lang: Lang, *, ranking: Sequence[tuple[str, float]] = (),
               context: object | None = None) -> Risk:
        if text.lower() == HINT:
            return Risk("elevated", ["self_harm"], list(HINT_EVIDENCE))
        return super().assess(text, lang, ranking=ranking, context=context)


@pytest.fixture
def port() -> CapturingHandoff:
    return CapturingHandoff()


@pytest.fixture
def engine(content_dir: Path, port: CapturingHandoff) -> Engine:
    store = ContentStore(content_dir)
    store.reload()
    understander = Understander(ScriptedNLU(), TableRisk(), threshold=0.5, margin=0.1, max_chars=4000)
    return Engine(content=store, understander=understander, catalogs=Catalogs.load(), handoff=port,
                  default_lang="ru")


# -- the decisions -----------------------------------------------------------------------------

@pytest.mark.parametrize("level,indicators,declined,expected", [
    ("elevated", ["withholding_of_wages"], None, "danger"),
    ("elevated", ["withholding_of_wages", "self_harm"], None, "self_harm"),
    ("high", ["retention_of_documents"], None, None),
    ("high", ["self_harm"], None, "self_harm"),
    ("high", ["self_harm"], {"self_harm"}, None),
    ("none", [], None, None),
    ("elevated", ["withholding_of_wages"], {"withholding_of_wages"}, None),
    ("elevated", ["withholding_of_wages", "excessive_overtime"], {"withholding_of_wages"}, "danger"),
    ("elevated", ["self_harm"], {"withholding_of_wages"}, "self_harm"),
])
def test_check_kind(level: str, indicators: list[str], declined: set[str] | None, expected: str | None) -> None:
    assert check_kind(level, indicators, declined) == expected


def test_parse_answer() -> None:
    assert parse_answer("check:yes:danger") == (True, "danger")
    assert parse_answer("check:no:self_harm") == (False, "self_harm")
    assert parse_answer("check:yes:whatever") is None
    assert parse_answer("handoff:yes") is None


def test_risk_facts_are_raised_to_the_remembered_level_only() -> None:
    high = RiskFacts("high", ("restriction_of_movement",), ({"rule_id": "ru:locked_in"},))
    elevated = RiskFacts("elevated", ("withholding_of_wages",), ({"rule_id": "ru:wages"},))
    raised = elevated.at_least(high)
    assert raised.level == "high"
    assert raised.indicators == ("restriction_of_movement", "withholding_of_wages")
    assert raised.evidence == ({"rule_id": "ru:locked_in"}, {"rule_id": "ru:wages"})
    assert high.at_least(elevated) == high
    assert RiskFacts().at_least(RiskFacts()) == RiskFacts()
    assert high.at_least(high) == high  # the same evidence is not repeated


# -- the check question ------------------------------------------------------------------------

async def test_elevated_asks_the_check_question_after_the_answer(engine: Engine, sqlite_engine: AsyncEngine) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    out = await conv.send("text", "зарплату не платят")
    assert out.risk == "elevated" and out.check == "danger" and not out.handoff_requested
    assert out.replies[0].text == engine.content.content.answer("ru", "rights_unpaid_wages").text  # type: ignore[union-attr]
    question = out.replies[-1]
    assert "опасность" in question.text
    assert [b.payload for b in question.all_buttons()] == ["check:yes:danger", "check:no:danger", "handoff:yes"]
    assert [b.text for b in question.all_buttons()][:2] == ["Да", "Нет"]


async def test_yes_escalates_with_the_doubted_message_as_evidence(
    engine: Engine, sqlite_engine: AsyncEngine, port: CapturingHandoff
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    await conv.send("text", "зарплату не платят")
    out = await conv.send("button", "check:yes:danger")
    assert out.handoff_requested and out.risk == "high" and out.indicators == ["withholding_of_wages"]
    assert "112" in out.replies[0].text, "safety numbers first"
    assert "handoff:yes" not in payloads(out), "a person is already asked for: no second offer"
    assert "/cancel" in out.replies[-1].text
    [req] = port.requests
    assert req["level"] == "high" and req["indicators"] == ["withholding_of_wages"]
    assert req["evidence"][-1]["source"] == "person" and req["evidence"][-1]["rule_id"] == "check:yes:danger"


async def test_no_gets_a_kind_reply_and_is_not_asked_again_for_the_same_indicator(
    engine: Engine, sqlite_engine: AsyncEngine, port: CapturingHandoff
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    await conv.send("text", "зарплату не платят")
    out = await conv.send("button", "check:no:danger")
    assert "Спасибо" in out.replies[0].text and "area:rights" in payloads(out)
    assert not out.handoff_requested and port.requests == []
    again = await conv.send("text", "зарплату не платят")
    assert again.risk == "elevated" and again.check is None
    assert payloads(again)[-1] == "handoff:yes", "the gentle offer of a person stays"
    other = await conv.send("text", HINT)
    assert other.check == "self_harm", "a new indicator is asked about"


async def test_talk_to_a_person_carries_the_elevated_evidence(
    engine: Engine, sqlite_engine: AsyncEngine, port: CapturingHandoff
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    await conv.send("text", HINT)
    out = await conv.send("button", "handoff:yes")
    assert out.handoff_requested
    [req] = port.requests
    assert req["level"] == "elevated" and req["indicators"] == ["self_harm"] and req["evidence"] == HINT_EVIDENCE


async def test_self_harm_hint_is_asked_directly_and_yes_is_answered_warmly(
    engine: Engine, sqlite_engine: AsyncEngine, port: CapturingHandoff
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start("tg")
    out = await conv.send("text", HINT)
    assert out.check == "self_harm"
    assert payloads(out)[-3:] == ["check:yes:self_harm", "check:no:self_harm", "handoff:yes"]
    assert "ҳаёти худ хотима" in out.replies[-1].text
    out = await conv.send("button", "check:yes:self_harm")
    assert "112" in out.replies[0].text
    assert out.replies[-1].text.startswith("Ташаккур, ки ба ман гуфтед. Шумо танҳо нестед.")
    [req] = port.requests
    assert req["level"] == "high" and req["indicators"] == ["self_harm"]
    assert {**HINT_EVIDENCE[0], "confirmed_by_person": True} in req["evidence"]


# -- remembered danger -------------------------------------------------------------------------

async def test_human_long_after_a_danger_report_is_raised_to_its_level(
    engine: Engine, sqlite_engine: AsyncEngine, port: CapturingHandoff
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    await conv.send("text", "хозяин забрал паспорт")
    await conv.send("button", "handoff:no")
    for _ in range(engine.history_window):  # the report leaves the conversation window
        await conv.send("text", "как получить патент")
    out = await conv.send("command", "human")
    assert out.risk == "high" and out.indicators == ["retention_of_documents"]
    [req] = port.requests
    assert req["evidence"] == [{"rule": "passport_taken", "matched": "паспорт"}]


async def test_danger_older_than_30_days_is_not_remembered(
    engine: Engine, sqlite_engine: AsyncEngine, port: CapturingHandoff
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start()
    await conv.send("text", "хозяин забрал паспорт")
    for _ in range(engine.history_window):
        await conv.send("text", "как получить патент")
    async with make_sessionmaker(sqlite_engine).begin() as session:
        await session.execute(update(Event).values(at=utcnow() - dt.timedelta(days=31)))
    out = await conv.send("command", "human")
    assert out.risk == "none" and port.requests[0]["evidence"] == []


# -- the repository query ----------------------------------------------------------------------

async def test_strongest_risk_event_high_beats_newer_elevated_newest_first(any_engine: AsyncEngine) -> None:
    now = utcnow()
    async with make_sessionmaker(any_engine).begin() as session:
        user, _ = await repo.get_or_create_user(session, transport="test", external_id="1")
        other, _ = await repo.get_or_create_user(session, transport="test", external_id="2")
        await session.flush()

        def ev(who: User, risk: str, text: str, days: float, direction: str = "in") -> Event:
            e = repo.new_event(user=who, direction=direction, kind="text", text=text, risk=risk,
                               indicators=[text], evidence=[{"text": text}])
            e.at = now - dt.timedelta(days=days)
            return e

        session.add_all([ev(user, "high", "too old", 40), ev(user, "high", "older high", 5),
                         ev(user, "high", "newer high", 3), ev(user, "elevated", "newest elevated", 1),
                         ev(user, "none", "harmless", 0.5), ev(user, "high", "reply", 0.2, "out"),
                         ev(other, "high", "someone else", 0.1)])
    async with make_sessionmaker(any_engine)() as session:
        since = now - dt.timedelta(days=30)
        found = await repo.strongest_risk_event(session, user=user, since=since)
        assert found is not None and found.text == "newer high" and found.evidence == [{"text": "newer high"}]
        found = await repo.strongest_risk_event(session, user=user, since=now - dt.timedelta(days=2))
        assert found is not None and found.text == "newest elevated"
        assert await repo.strongest_risk_event(session, user=user, since=now) is None


async def test_strongest_risk_event_reads_the_partial_index(sqlite_engine: AsyncEngine) -> None:
    """One query, and SQLite plans it on `ix_events_user_risky` (not a scan of all events)."""
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM events" in statement:
            statements.append((statement, parameters))

    event.listen(sqlite_engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with make_sessionmaker(sqlite_engine)() as session:
            user, _ = await repo.get_or_create_user(session, transport="test", external_id="1")
            await session.flush()
            await repo.strongest_risk_event(session, user=user, since=utcnow())
            [(sql, params)] = statements
            conn = await session.connection()
            plan = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)).all()
    finally:
        event.remove(sqlite_engine.sync_engine, "before_cursor_execute", capture)
    assert any("ix_events_user_risky" in str(row) for row in plan), plan
