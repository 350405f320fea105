"""Every danger path once with the real NLU and the real risk detector, on the real hotline
queue: a high-risk report, the check question for doubt (Yes, No, a person), the direct
question for a self-harm hint, and danger remembered after /cancel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.store import ContentStore
from bot.engine.engine import Engine
from bot.engine.types import Outcome
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from hotline_router.config import HotlineSettings
from hotline_router.models import Case
from hotline_router.service import Hotline, HotlineHandoff
from tests.bot.engine.real_nlu import (
    ELEVATED,
    HARMLESS,
    LOCKED_IN_AND_BEATEN,
    ROOT,
    SELF_HARM_HINTS,
    rated,
    real_understander,
)
from tests.bot.engine.talk import Conversation, payloads


@pytest.fixture(scope="module")
def understander() -> Understander:
    return real_understander()


@pytest.fixture
def hotline(sqlite_engine: AsyncEngine) -> Hotline:
    from bot.storage.db import make_sessionmaker

    return Hotline(sessions=make_sessionmaker(sqlite_engine), catalogs=Catalogs.load(),
                   settings=HotlineSettings(routing_file=ROOT / "content/hotline/routing.yaml"))


@pytest.fixture
async def conv(content_dir: Path, understander: Understander, hotline: Hotline,
               sqlite_engine: AsyncEngine) -> AsyncIterator[Conversation]:
    store = ContentStore(content_dir)
    store.reload()
    engine = Engine(content=store, understander=understander, catalogs=Catalogs.load(),
                    handoff=HotlineHandoff(hotline), default_lang="ru")
    c = Conversation(engine, sqlite_engine)
    await c.start("ru")
    yield c


async def cases(hotline: Hotline) -> list[Case]:
    async with hotline.sessions() as session:
        return list((await session.scalars(select(Case).order_by(Case.id))).all())


def rule_ids(case: Case) -> set[str]:
    return {str(e.get("rule_id")) for e in case.evidence}


async def test_high_risk_report_gets_safety_then_a_person_at_high(
    conv: Conversation, understander: Understander, hotline: Hotline
) -> None:
    report = await rated(understander, LOCKED_IN_AND_BEATEN, "high")
    out = await conv.send("text", report)
    assert out.risk == "high" and out.handoff_requested and out.check is None
    assert "112" in out.replies[0].text and "handoff:yes" in payloads(out)
    await conv.send("button", "handoff:yes")
    [case] = await cases(hotline)
    assert case.level == "high" and "restriction_of_movement" in case.indicators
    assert "ru:locked_in" in rule_ids(case)


async def test_elevated_check_question_yes_queues_at_high_with_the_first_messages_evidence(
    conv: Conversation, understander: Understander, hotline: Hotline
) -> None:
    doubt = await rated(understander, ELEVATED, "elevated")
    out = await conv.send("text", doubt)
    assert out.risk == "elevated" and out.check == "danger" and not out.handoff_requested
    first = (await understander.understand(doubt)).risk.to_dict()
    out = await conv.send("button", "check:yes:danger")
    assert "112" in out.replies[0].text and out.handoff_requested and out.risk == "high"
    [case] = await cases(hotline)
    assert case.level == "high" and case.status == "queued"
    assert case.indicators == first["indicators"]
    for ev in first["evidence"]:  # type: ignore[attr-defined]
        assert {**ev, "confirmed_by_person": True} in case.evidence
    assert any(e.get("source") == "person" for e in case.evidence)


async def test_elevated_check_question_no_then_not_asked_again(
    conv: Conversation, understander: Understander, hotline: Hotline
) -> None:
    doubt = await rated(understander, ELEVATED, "elevated")
    assert (await conv.send("text", doubt)).check == "danger"
    out = await conv.send("button", "check:no:danger")
    assert "Спасибо" in out.replies[0].text and not out.handoff_requested
    again = await conv.send("text", doubt)
    assert again.risk == "elevated" and again.check is None
    assert await cases(hotline) == []


async def test_elevated_talk_to_a_person_carries_the_elevated_evidence(
    conv: Conversation, understander: Understander, hotline: Hotline
) -> None:
    doubt = await rated(understander, ELEVATED, "elevated")
    await conv.send("text", doubt)
    await conv.send("button", "handoff:yes")
    [case] = await cases(hotline)
    assert case.level == "elevated" and case.evidence and case.indicators


async def test_self_harm_hint_gets_the_direct_question_and_yes_a_person_at_high(
    conv: Conversation, understander: Understander, hotline: Hotline
) -> None:
    # Asked directly on any hint, whether the detector rates it elevated or high.
    hint = await rated(understander, SELF_HARM_HINTS, ("elevated", "high"), "self_harm")
    out = await conv.send("text", hint)
    assert out.check == "self_harm"
    assert "покончить с собой" in out.replies[-1].text
    out = await conv.send("button", "check:yes:self_harm")
    assert "112" in out.replies[0].text
    assert "Вы не одни" in out.replies[-1].text
    [case] = await cases(hotline)
    assert case.level == "high" and "self_harm" in case.indicators


async def _report_then_cancel(conv: Conversation, understander: Understander) -> str:
    report = await rated(understander, LOCKED_IN_AND_BEATEN, "high")
    await conv.send("text", report)
    await conv.send("command", "human")
    left: Outcome = await conv.send("command", "cancel")
    assert "вышли из очереди" in left.replies[0].text
    return report


async def test_remembered_danger_after_cancel_queues_human_at_high(
    conv: Conversation, understander: Understander, hotline: Hotline
) -> None:
    await _report_then_cancel(conv, understander)
    for _ in range(conv.engine.history_window):  # the report leaves the conversation window
        assert (await conv.send("text", HARMLESS)).risk == "none"
    out = await conv.send("command", "human")
    assert out.risk == "high"
    first, second = await cases(hotline)
    assert first.status == "closed" and second.status == "queued"
    assert second.level == "high" and "restriction_of_movement" in second.indicators
    assert "ru:locked_in" in rule_ids(second)


async def test_country_numbers_are_answered_while_a_person_owns_the_chat(
    conv: Conversation, understander: Understander, hotline: Hotline
) -> None:
    doubt = await rated(understander, ELEVATED, "elevated")
    await conv.send("text", doubt)
    out = await conv.send("button", "check:yes:danger")
    country = next(p for p in payloads(out) if p.startswith("country:"))
    numbers = await conv.send("button", country)
    assert numbers.relayed_to_case is None and numbers.replies
