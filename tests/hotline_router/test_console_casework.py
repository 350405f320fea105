"""The console in the operator's language: time zone, where the person is (and its audited
correction), evidence in plain words, ready replies, the language choice, the audit filters,
and catalogs that cover every interface string."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select, update

from hotline_router import location
from hotline_router.console.app import make_app
from hotline_router.console.i18n import LOCALES_DIR
from hotline_router.console.replies import check_replies
from hotline_router.models import AuditEntry, Case, CaseEvent, Operator
from hotline_router.operations import Operations
from hotline_router.service import Hotline, HotlineHandoff

from .conftest import operator, person
from .test_console import ConsoleCfg, csrf, login

ROOT = Path(__file__).resolve().parents[2]
DANGER = "Здравствуйте. Бригадир на стройке забрал паспорт и не выпускают со двора"
EVIDENCE = [{"indicator": "retention_of_documents", "source": "rule", "rule_id": "ru:passport_taken",
             "matched": "zabral pasport", "level": "high", "counted": True},
            {"indicator": "restriction_of_movement", "source": "model",
             "rule_id": "model:restriction_of_movement", "matched": "не выпускают",
             "level": "high", "counted": True, "probability": 0.91}]


@pytest.fixture(autouse=True)
def _secret_in_tmp(sqlite_hotline: Hotline, tmp_path: Path) -> None:
    sqlite_hotline.settings.console_secret_file = tmp_path / "console_secret.key"


@pytest.fixture
async def client(sqlite_hotline: Hotline) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(sqlite_hotline, ConsoleCfg()))) as c:
        yield c


async def danger_case(hotline: Hotline, *, country: str | None = "OTHER") -> int:
    """A danger report from a person whose bot record says OTHER (they asked about Korea)."""
    user = await person(hotline, "p-danger", country=country)
    transcript = [{"at": "2026-03-18T06:50:00+00:00", "direction": "in", "kind": "text",
                   "text": "Можно ли работать в Корее?", "topic": "docs_korea"},
                  {"at": "2026-03-18T06:50:01+00:00", "direction": "out", "kind": "reply",
                   "text": "<b>Корея</b>\nРабота по программе EPS.", "topic": "docs_korea"},
                  {"at": "2026-03-18T06:59:00+00:00", "direction": "in", "kind": "text",
                   "text": DANGER, "topic": "rights_passport_taken"}]
    async with hotline.sessions.begin() as session:
        ticket = await HotlineHandoff(hotline).request(
            session, user=user, lang="ru", level="high",
            indicators=["retention_of_documents", "restriction_of_movement"], evidence=EVIDENCE,
            transcript=transcript)
    return ticket.case_id


async def page_of(client: TestClient, case_id: int) -> str:
    return html.unescape(await (await client.get(f"/console/cases/{case_id}")).text())


async def test_times_are_shown_in_the_hotlines_time_zone(client: TestClient, sqlite_hotline: Hotline) -> None:
    """07:00 UTC is 10:00 in Moscow (the fallback team) and 12:00 in Tashkent (the uzbek team)."""
    case_id = await danger_case(sqlite_hotline)
    await operator(sqlite_hotline, "moscow", role="supervisor")
    await operator(sqlite_hotline, "tashkent", role="supervisor", teams=["uzbek"])
    assert await login(client, "moscow") == 303
    page = await page_of(client, case_id)
    assert "ждёт с 18 мар., 10:00" in page and "UTC" not in page
    assert ">09:59<" in page or "18 мар., 09:59" in page  # the danger message, Moscow time
    client.session.cookie_jar.clear()
    assert await login(client, "tashkent") == 303
    assert "ждёт с 18 мар., 12:00" in await page_of(client, case_id)


async def test_the_case_page_quotes_the_persons_words_and_links_the_message(
        client: TestClient, sqlite_hotline: Hotline) -> None:
    case_id = await danger_case(sqlite_hotline)
    await operator(sqlite_hotline, "sup", role="supervisor")
    assert await login(client, "sup") == 303
    page = await page_of(client, case_id)
    assert "Документы удерживаются работодателем" in page and "retention_of_documents<" not in page
    assert "«забрал паспорт»" in page and "<mark>забрал паспорт</mark>" in page  # not "zabral pasport"
    assert "«не выпускают»" in page and "вероятность 0,91" in page
    assert 'href="#t2"' in page and 'class="msg person danger" id="t2"' in page
    assert "правило ru:passport_taken" in page  # the rule, in small type
    # The bot's answer collapses to its topic's title; its text keeps its lines.
    assert "Корея, Южная Корея" in page or 'class="topic">' in page
    assert "Работа по программе EPS." in page


async def test_an_operator_corrects_the_country_and_it_is_audited(
        client: TestClient, sqlite_hotline: Hotline) -> None:
    case_id = await danger_case(sqlite_hotline)
    async with sqlite_hotline.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and (case.country, case.country_source, case.team) == ("OTHER", "profile", "general")
        assert location.should_ask(case)
    await operator(sqlite_hotline, "bob")
    await operator(sqlite_hotline, "sup", role="supervisor")
    assert await login(client, "bob") == 303
    page = await page_of(client, case_id)
    assert 'id="ask-where"' in page and "/where" in page
    # Not holding the case: refused, nothing changes.
    resp = await client.post(f"/console/cases/{case_id}/country",
                             data={"csrf_token": await csrf(client), "country": "RU"})
    assert resp.status == 409
    client.session.cookie_jar.clear()
    assert await login(client, "sup") == 303
    resp = await client.post(f"/console/cases/{case_id}/country",
                             data={"csrf_token": await csrf(client), "country": "XX"})
    assert resp.status == 400  # only countries of the list
    resp = await client.post(f"/console/cases/{case_id}/country",
                             data={"csrf_token": await csrf(client), "country": "RU"})
    assert resp.status == 200  # after the redirect
    page = html.unescape(await resp.text())
    assert "Россия" in page and "исправлено оператором" in page and 'id="ask-where"' not in page
    async with sqlite_hotline.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and (case.country, case.country_source) == ("RU", "operator")
        assert case.team == "tajik"  # still waiting: routed to the team of Russia
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "set_country"))
        event = await session.scalar(select(CaseEvent).where(CaseEvent.kind == "country_set"))
    assert entry is not None and entry.username == "sup" and entry.case_id == case_id
    assert entry.detail == {"before": "OTHER", "after": "RU", "to_team": "tajik"}
    assert event is not None and event.data["source"] == "operator"


async def test_the_engine_records_where_the_person_says_they_are(sqlite_hotline: Hotline) -> None:
    case_id = await danger_case(sqlite_hotline)
    port = location.LocationPort(sqlite_hotline)
    async with sqlite_hotline.sessions.begin() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        assert await port.should_ask(session, user_id=case.user_id)
        change = await port.person_is_in(session, user_id=case.user_id, country="RU")
        assert change is not None and change.before == "OTHER" and change.rerouted
        assert not await port.should_ask(session, user_id=case.user_id)
        assert case.country_source == "person"


async def test_ready_replies_come_filled_in_the_persons_language(
        client: TestClient, sqlite_hotline: Hotline) -> None:
    case_id = await danger_case(sqlite_hotline)
    op = await operator(sqlite_hotline, "aziza")
    async with sqlite_hotline.sessions.begin() as session:
        await session.execute(update(Operator).where(Operator.id == op.id).values(display_name="Азиза"))
    await Operations(sqlite_hotline).claim(op, case_id, ip="t")
    assert await login(client, "aziza") == 303
    page = await page_of(client, case_id)
    assert 'data-shortcut="hello"' in page and "Меня зовут Азиза" in page
    assert "+7 966 031-22-22" in page  # {hotline_numbers} of the case's team
    assert "Пишите по-русски" in page and re.search(r"4\s096", page)  # their language, the limit


def test_content_check_reports_bad_ready_replies(tmp_path: Path) -> None:
    assert check_replies(ROOT / "content" / "hotline" / "replies") == []
    (tmp_path / "ru.yaml").write_text("replies:\n  - shortcut: Hi!\n    title: x\n    text: '{name}'\n"
                                      "  - shortcut: bye\n    title: y\n    text: пока\n", encoding="utf-8")
    (tmp_path / "tg.yaml").write_text("replies:\n  - shortcut: bye\n    title: y\n    text: хайр\n", encoding="utf-8")
    found = [str(p) for p in check_replies(tmp_path)]
    assert any("ru.yaml:2: error: shortcut 'Hi!'" in p for p in found)
    assert any("unknown placeholder(s) ['name']" in p for p in found)
    assert any("uz.yaml:1: warning: no ready replies" in p for p in found)


async def test_the_language_choice_is_remembered(client: TestClient, sqlite_hotline: Hotline) -> None:
    await operator(sqlite_hotline, "alice")
    assert await login(client, "alice") == 303
    assert "Никто не ждёт." in await (await client.get("/console/")).text()
    resp = await client.post("/console/language", allow_redirects=False,
                             data={"csrf_token": await csrf(client), "lang": "tg", "back": "/console/"})
    assert resp.status == 303 and resp.headers["Location"] == "/console/"
    client.session.cookie_jar.clear()  # another browser: the account remembers
    assert await login(client, "alice") == 303
    assert "Касе интизор нест." in await (await client.get("/console/")).text()
    async with sqlite_hotline.sessions() as session:
        assert await session.scalar(select(Operator.locale).where(Operator.username == "alice")) == "tg"


async def test_the_audit_log_keeps_views_apart_from_changes(client: TestClient, sqlite_hotline: Hotline) -> None:
    case_id = await danger_case(sqlite_hotline)
    await operator(sqlite_hotline, "sup", role="supervisor")
    assert await login(client, "sup") == 303
    for _ in range(3):  # reloads: one view row
        await client.get(f"/console/cases/{case_id}")
    await client.post(f"/console/cases/{case_id}/note", data={"csrf_token": await csrf(client), "text": "n"})
    async with sqlite_hotline.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert actions.count("view") == 1 and "note" in actions
    changes = await (await client.get("/console/supervisor/audit")).text()
    assert 'class="action-note"' in changes and 'class="action-view"' not in changes
    views = await (await client.get(f"/console/supervisor/audit?kind=views&case={case_id}")).text()
    assert 'class="action-view"' in views and 'class="action-note"' not in views
    by_action = await (await client.get("/console/supervisor/audit?kind=all&action=login&operator=sup")).text()
    assert 'class="action-login"' in by_action and 'class="action-note"' not in by_action


def test_every_interface_string_is_translated() -> None:
    cfg = ROOT / "hotline_router" / "locales" / "babel.cfg"
    method_map = [("hotline_router/console/**.py", "python"),
                  ("hotline_router/console/templates/**.html", "jinja2")]
    assert cfg.exists()
    used = {msg for _file, _line, msg, _comments, _ctx in
            extract_from_dir(ROOT, method_map, keywords={"_": None, "tr": None, "N_": None})}
    for lang in ("ru", "tg", "uz"):
        with (LOCALES_DIR / lang / "LC_MESSAGES" / "console.po").open("rb") as fh:
            catalog = read_po(fh)
        translated = {m.id for m in catalog if m.id and m.string}
        assert not used - translated, (lang, sorted(used - translated)[:5])
