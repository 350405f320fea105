"""The editors' inbox and figures in the console over HTTP: who may see them, filters by
language, reason and week, near-duplicate groups, one-click labels with CSRF, bad input,
escaping, and figures (page, CSV, PNG) without personal data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert, select

from bot.content.store import ContentStore
from bot.inbox.capture import row
from bot.inbox.config import InboxSettings
from bot.inbox.desk import InboxDesk
from bot.inbox.models import InboxItem
from bot.storage import repo
from hotline_router.console import inbox as inbox_pages
from hotline_router.console.app import make_app
from hotline_router.service import Hotline

from .conftest import WEDNESDAY_10_MSK, operator, person, raise_case
from .test_console import ConsoleCfg, csrf, login

ROOT = Path(__file__).resolve().parents[2]
GROUP = re.compile(r'<tr class="group[^"]*" data-group="([\d,]+)"')
NOW = WEDNESDAY_10_MSK


@pytest.fixture(autouse=True)
def _secret_in_tmp(sqlite_hotline: Hotline, tmp_path: Path) -> None:
    sqlite_hotline.settings.console_secret_file = tmp_path / "console_secret.key"


@pytest.fixture
async def client(sqlite_hotline: Hotline) -> AsyncIterator[TestClient]:
    content = ContentStore(ROOT / "content")
    content.reload()
    app = make_app(sqlite_hotline, ConsoleCfg())
    inbox_pages.mount(app, InboxDesk(sqlite_hotline.sessions, content, InboxSettings(), threshold=0.35,
                                     clock=lambda: NOW))
    async with TestClient(TestServer(app)) as c:
        yield c


async def _seed(hotline: Hotline) -> None:
    user = await person(hotline, "inbox-1")
    last_week = NOW - dt.timedelta(days=7)
    rows = [row(user_id=user.id, text="шеф зажал лавэ за пахоту", lang="ru", reason="fallback",
                guesses=[("jobs_debt", 0.2)], confidence=0.2, risk="none", at=NOW),
            row(user_id=user.id, text="Шеф зажал лавэ, за пахоту!", lang="ru", reason="did_you_mean",
                guesses=[("jobs_debt", 0.3)], confidence=0.3, risk="none", at=NOW),
            row(user_id=user.id, text="patent qancha <script>alert(1)</script>", lang="uz", reason="low_confidence",
                guesses=[("docs_patent", 0.4)], confidence=0.4, risk="none", at=NOW),
            row(user_id=user.id, text="маошро намедиҳанд, номи ман Фаррух", lang="tg", reason="handoff",
                guesses=[("rights_unpaid_wages", 0.9)], confidence=0.9, risk="none", at=last_week)]
    async with hotline.sessions.begin() as session:
        await session.execute(insert(InboxItem.__table__), rows)  # type: ignore[arg-type]


async def _groups(client: TestClient, query: str = "") -> list[str]:
    page = await client.get(f"/console/inbox{query}")
    assert page.status == 200
    return GROUP.findall(await page.text())


async def test_only_editors_and_supervisors_and_editors_see_nothing_else(
        client: TestClient, sqlite_hotline: Hotline) -> None:
    await operator(sqlite_hotline, "olim")
    await operator(sqlite_hotline, "dilnoza", role="editor")
    assert await login(client, "olim") == 303
    assert (await client.get("/console/inbox")).status == 403
    assert (await client.get("/console/figures.csv")).status == 403
    await client.post("/console/logout", data={"csrf_token": await csrf(client)})
    assert await login(client, "dilnoza") == 303
    queue = await client.get("/console/", allow_redirects=False)
    assert queue.status == 303 and queue.headers["Location"] == "/console/inbox"
    assert (await client.get("/console/supervisor", allow_redirects=False)).status == 303
    assert (await client.get("/console/inbox")).status == 200


async def test_filters_groups_labels_and_escaping(client: TestClient, sqlite_hotline: Hotline) -> None:
    await _seed(sqlite_hotline)
    await operator(sqlite_hotline, "aziza", role="supervisor")
    assert await login(client, "aziza") == 303
    groups = await _groups(client)
    assert len(groups) == 3 and any("," in g for g in groups)  # the two near-duplicates together
    assert len(await _groups(client, "?lang=uz")) == 1
    assert len(await _groups(client, "?reason=handoff")) == 1
    assert len(await _groups(client, f"?week={(NOW - dt.timedelta(days=7)).date()}")) == 1
    assert len(await _groups(client, "?lang=xx&reason=nonsense&week=not-a-date")) == 3
    page = await (await client.get("/console/inbox?lang=uz")).text()
    assert "<script>alert" not in page and "&lt;script&gt;" in page

    pair = next(g for g in groups if "," in g)
    token = await csrf(client, "/console/inbox")
    no_csrf = await client.post("/console/inbox/label", data={"ids": pair, "kind": "topic", "topic": "docs_patent"})
    assert no_csrf.status == 403
    bad = await client.post("/console/inbox/label", data={"csrf_token": token, "ids": pair, "kind": "topic",
                                                          "topic": "no_such_topic"})
    assert bad.status == 400
    no_note = await client.post("/console/inbox/label", data={"csrf_token": token, "ids": pair,
                                                              "kind": "new_topic", "note": " "})
    assert no_note.status == 400
    empty = await client.post("/console/inbox/label", data={"csrf_token": token, "ids": "x,,0", "kind": "topic"})
    assert empty.status == 400
    done = await client.post("/console/inbox/label", allow_redirects=False, data={
        "csrf_token": token, "ids": pair, "kind": "topic", "topic": "rights_unpaid_wages",
        "back": "/console/inbox?lang=ru"})
    assert done.status == 303 and done.headers["Location"] == "/console/inbox?lang=ru&done=2"
    tg = (await _groups(client, "?lang=tg"))[0]
    await client.post("/console/inbox/label", data={"csrf_token": token, "ids": tg, "kind": "danger",
                                                    "indicator": "withholding_of_wages"})
    assert len(await _groups(client)) == 1  # the labelled ones left the "to label" view
    assert len(await _groups(client, "?state=labelled")) == 2
    async with sqlite_hotline.sessions() as session:
        labels = (await session.execute(select(InboxItem.label_kind, InboxItem.label, InboxItem.labelled_by)
                                        .order_by(InboxItem.id))).all()
    assert [tuple(r) for r in labels] == [("topic", "rights_unpaid_wages", "aziza")] * 2 + [
        (None, None, None), ("danger", "withholding_of_wages", "aziza")]


async def test_figures_page_csv_and_charts_hold_no_personal_data(client: TestClient,
                                                                sqlite_hotline: Hotline) -> None:
    user = await person(sqlite_hotline, "figures-1")
    words = "Рустам спрашивает про патент"
    async with sqlite_hotline.sessions.begin() as session:
        await session.merge(user)
        events = [repo.new_event(user=user, direction="in", kind="text", text=words, lang="ru",
                                 topic="docs_patent", confidence=0.9),
                  repo.new_event(user=user, direction="in", kind="text", text="???", lang="ru",
                                 topic="out_of_scope", confidence=0.1),
                  repo.new_event(user=user, direction="in", kind="text", text="и что", lang="ru",
                                 topic="docs_fines", confidence=0.3),
                  repo.new_event(user=user, direction="in", kind="command", text="human")]
        for i, ev in enumerate(events):
            ev.at = NOW - dt.timedelta(minutes=10 - i)
        await repo.insert_events(session, events)
    await operator(sqlite_hotline, "dilnoza", role="editor")
    assert await login(client, "dilnoza") == 303
    page = await client.get("/console/figures")
    text = await page.text()
    assert page.status == 200 and words not in text and "docs_patent" in text
    body = await (await client.get("/console/figures.csv?weeks=2")).text()
    assert words not in body and "Рустам" not in body
    lines = body.splitlines()
    assert "questions,2026-03-16,ru,docs_patent,1" in lines
    assert "share_confident,,ru,,0.3333" in lines and "fallback_rate,,ru,,0.3333" in lines
    assert "led_to_person,,,docs_fines,1" in lines
    png = await client.get("/console/figures/fallback.png")
    assert png.status == 200 and (await png.read()).startswith(b"\x89PNG")
    assert (await client.get("/console/figures/other.png")).status == 404


async def test_an_operator_sends_a_wrong_answer_to_the_inbox(client: TestClient, sqlite_hotline: Hotline) -> None:
    user = await person(sqlite_hotline, "corrected-1")
    transcript = [{"at": NOW.isoformat(), "direction": "in", "kind": "text", "topic": "docs_patent",
                   "text": "меня зовут Алишер, бригадир не даёт расчёт"},
                  {"at": NOW.isoformat(), "direction": "out", "kind": "reply", "topic": "docs_patent",
                   "text": "<b>Патент</b> ..."}]
    ticket = await raise_case(sqlite_hotline, user, transcript=transcript)
    await operator(sqlite_hotline, "aziza", role="supervisor")
    assert await login(client, "aziza") == 303
    page = await client.get(f"/console/cases/{ticket.case_id}")
    assert 'action="/console/inbox/correct"' in await page.text()
    token = await csrf(client, f"/console/cases/{ticket.case_id}")
    form = {"csrf_token": token, "case": str(ticket.case_id)}
    assert (await client.post("/console/inbox/correct", data={**form, "item": "t0"})).status == 409
    assert (await client.post("/console/inbox/correct", data={**form, "item": "tx"})).status == 400
    for _ in range(2):  # twice: one row
        done = await client.post("/console/inbox/correct", data={**form, "item": "t1"}, allow_redirects=False)
        assert done.status == 303
    async with sqlite_hotline.sessions() as session:
        rows = (await session.execute(select(InboxItem.reason, InboxItem.text, InboxItem.guesses))).all()
    assert [tuple(r) for r in rows] == [("corrected", "меня зовут <name>, бригадир не даёт расчёт",
                                         [["docs_patent", 0.0]])]
