"""Retention: a case closed longer ago than the bot's retention period keeps its figures
(outcome, times, language, risk) and loses the person's words."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline_router import stats
from hotline_router.models import Case, CaseEvent, Message, Note
from hotline_router.operations import ActionError, Operations
from hotline_router.retention import purge_closed_cases
from hotline_router.service import Hotline, HotlineHandoff

from .conftest import Clock, operator, person, raise_case


async def _count(hotline: Hotline, model: type, case_id: int) -> int:
    async with hotline.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)
                                         .where(model.case_id == case_id)) or 0)  # type: ignore[attr-defined]


async def test_closed_cases_lose_personal_text_after_the_retention_period(hotline: Hotline, clock: Clock) -> None:
    alice = await operator(hotline, "alice", role="supervisor")
    ops = Operations(hotline)
    user = await person(hotline, "old-person", lang="tg")
    old = (await raise_case(hotline, user, level="high", lang="tg", indicators=["retention_of_documents"],
                            transcript=[{"direction": "in", "kind": "text", "text": "Меня зовут Рустам",
                                         "topic": "docs_patent"}])).case_id
    async with hotline.sessions.begin() as session:
        await HotlineHandoff(hotline).relay_from_person(session, case_id=old, user=user, kind="text",
                                                        text="мой паспорт у хозяина", meta={})
    await ops.claim(alice, old, ip="t")
    await ops.reply(alice, old, "Где вы?", ip="t")
    await ops.note(alice, old, "Рустам, стройка в Химках", ip="t")
    await ops.close(alice, old, outcome="referred_hotline", tags=["documents_taken"], ip="t")
    clock.advance(days=80)
    recent_user = await person(hotline, "recent-person")
    recent = (await raise_case(hotline, recent_user, transcript=[
        {"direction": "in", "kind": "text", "text": "recent words", "topic": None}])).case_id
    await ops.claim(alice, recent, ip="t")
    await ops.close(alice, recent, outcome="advice_given", tags=[], ip="t")
    still_open = (await raise_case(hotline, await person(hotline, "waiting"))).case_id
    clock.advance(days=11)  # the first case was closed 91 days ago, the second 11

    async with hotline.sessions.begin() as session:
        before = await stats.export_csv(session, now=clock(), days=365)
        purged = await purge_closed_cases(session, days=90, now=clock())
    assert purged.case_ids == [old] and purged.messages >= 3 and purged.notes == 1
    async with hotline.sessions() as session:
        case = await session.get(Case, old)
        assert case is not None
        assert (case.transcript, case.evidence, case.external_id, case.user_id) == ([], [], "", None)
        # The anonymous figures stay.
        assert (case.status, case.outcome, case.tags, case.lang, case.level) == (
            "closed", "referred_hotline", ["documents_taken"], "tg", "high")
        assert case.indicators == ["retention_of_documents"] and case.topics == ["docs_patent"]
        assert case.created_at and case.first_assigned_at and case.closed_at
        kinds = (await session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == old))).all()
        assert "closed" in kinds and "claimed" in kinds
        after = await stats.export_csv(session, now=clock(), days=365)
        kept = await session.get(Case, recent)
        assert kept is not None and kept.transcript and kept.external_id == "recent-person"
        assert kept.user_id == recent_user.id
        waiting = await session.get(Case, still_open)
        assert waiting is not None and waiting.external_id == "waiting"
    assert after == before  # the statistics are the same
    assert await _count(hotline, Message, old) == 0 and await _count(hotline, Note, old) == 0
    assert await _count(hotline, Message, recent) > 0
    page = await ops.view(alice, old, ip="t")
    assert page.purged and not page.can_reopen
    try:
        await ops.reopen(alice, old, ip="t")
    except ActionError as exc:
        assert exc.status == 409 and "retention" in exc.message
    else:
        raise AssertionError("a purged case was reopened")
    async with hotline.sessions.begin() as session:  # the next day's run has nothing to do
        assert (await purge_closed_cases(session, days=90, now=clock())).cases == 0


async def test_purge_works_in_batches(hotline: Hotline, clock: Clock) -> None:
    alice = await operator(hotline, "alice", role="supervisor")
    ops = Operations(hotline)
    ids = []
    for i in range(5):
        case_id = (await raise_case(hotline, await person(hotline, f"p{i}"))).case_id
        await ops.close(alice, case_id, outcome="duplicate", tags=[], ip="t")
        ids.append(case_id)
    clock.advance(days=100)
    async with hotline.sessions.begin() as session:
        purged = await purge_closed_cases(session, days=90, now=clock(), batch=2)
    assert sorted(purged.case_ids) == sorted(ids)
