"""The operator console over HTTP: login, CSRF, rate limit, session expiry, rights, bad input,
escaping, the claim-reply-close flow, the supervisor view and the CSV export."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from hotline_router.console.app import make_app
from hotline_router.models import AuditEntry, Case, Message
from hotline_router.service import Hotline, HotlineHandoff

from .conftest import PASSWORD, Clock, operator, person, raise_case

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class ConsoleCfg:
    cookie_secure: bool = False
    session_ttl_s: int = 3600


@pytest.fixture(autouse=True)
def _secret_in_tmp(sqlite_hotline: Hotline, tmp_path: Path) -> None:
    """The generated console key goes to the test's folder, not to ./data."""
    sqlite_hotline.settings.console_secret_file = tmp_path / "console_secret.key"


@pytest.fixture
async def client(sqlite_hotline: Hotline) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(sqlite_hotline, ConsoleCfg()))) as c:
        yield c


async def login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    page = await client.get("/console/login")
    token = CSRF.search(await page.text())
    assert token is not None
    resp = await client.post("/console/login", allow_redirects=False,
                             data={"username": username, "password": password, "csrf_token": token[1]})
    return resp.status


async def csrf(client: TestClient, path: str = "/console/") -> str:
    found = CSRF.search(await (await client.get(path)).text())
    assert found is not None
    return found[1]


async def _audit(hotline: Hotline) -> list[str]:
    async with hotline.sessions() as session:
        return list((await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all())


async def test_wrong_password_then_right(client: TestClient, sqlite_hotline: Hotline) -> None:
    await operator(sqlite_hotline, "alice")
    assert await login(client, "alice", "wrong password!") == 401
    assert await login(client, "nobody", PASSWORD) == 401
    assert await login(client, "alice") == 303
    page = await client.get("/console/")
    assert page.status == 200 and "Ждут" in await page.text()  # Russian by default
    assert await _audit(sqlite_hotline) == ["login_failed", "login_failed", "login"]


async def test_login_attempts_are_rate_limited(client: TestClient, sqlite_hotline: Hotline) -> None:
    await operator(sqlite_hotline, "alice")
    for _ in range(3):  # login_free_attempts; then 1 s, 2 s, 4 s ... between attempts
        assert await login(client, "alice", "guess guess") == 401
    assert await login(client, "alice") == 429  # even the right password waits now
    assert (await _audit(sqlite_hotline))[-1] == "login_blocked"


async def test_forms_without_csrf_are_refused(client: TestClient, sqlite_hotline: Hotline) -> None:
    await operator(sqlite_hotline, "alice")
    case_id = (await raise_case(sqlite_hotline, await person(sqlite_hotline, "p"))).case_id
    resp = await client.post("/console/login", data={"username": "alice", "password": PASSWORD})
    assert resp.status == 403  # the login form too
    assert await login(client, "alice") == 303
    resp = await client.post(f"/console/cases/{case_id}/claim", data={}, allow_redirects=False)
    assert resp.status == 403
    resp = await client.post(f"/console/cases/{case_id}/claim", data={"csrf_token": "forged"},
                             allow_redirects=False)
    assert resp.status == 403
    async with sqlite_hotline.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and case.status == "queued"


async def test_session_expires(sqlite_hotline: Hotline, clock: Clock) -> None:
    await operator(sqlite_hotline, "alice")
    async with TestClient(TestServer(make_app(sqlite_hotline, ConsoleCfg(session_ttl_s=60)))) as c:
        assert await login(c, "alice") == 303
        assert (await c.get("/console/", allow_redirects=False)).status == 200
        clock.advance(seconds=61)
        resp = await c.get("/console/", allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"] == "/console/login"
        polled = await c.get("/console/live", headers={"X-Requested-With": "fetch"})
        assert polled.status == 401


async def test_an_operator_cannot_open_someone_elses_case(client: TestClient, sqlite_hotline: Hotline) -> None:
    alice = await operator(sqlite_hotline, "alice")
    await operator(sqlite_hotline, "bob")
    case_id = (await raise_case(sqlite_hotline, await person(sqlite_hotline, "p"))).case_id
    from hotline_router.operations import Operations

    await Operations(sqlite_hotline).claim(alice, case_id, ip="t")
    assert await login(client, "bob") == 303
    assert (await client.get(f"/console/cases/{case_id}")).status == 403
    token = await csrf(client)
    resp = await client.post(f"/console/cases/{case_id}/reply", data={"csrf_token": token, "text": "hi"})
    assert resp.status == 403
    assert (await _audit(sqlite_hotline)).count("denied") == 2


async def test_claim_reply_close_over_http(client: TestClient, sqlite_hotline: Hotline) -> None:
    await operator(sqlite_hotline, "alice")
    case_id = (await raise_case(sqlite_hotline, await person(sqlite_hotline, "p"), level="high")).case_id
    assert await login(client, "alice") == 303
    assert f"/console/cases/{case_id}" in await (await client.get("/console/live")).text()
    token = await csrf(client)
    url = f"/console/cases/{case_id}"
    assert (await client.post(f"{url}/claim", data={"csrf_token": token})).status == 200
    assert (await client.post(f"{url}/reply", data={"csrf_token": token, "text": "Hello, I am here."})).status == 200
    resp = await client.post(f"{url}/close", data={"csrf_token": token, "outcome": ""})
    assert resp.status == 400  # an outcome is required
    resp = await client.post(f"{url}/close", data={"csrf_token": token, "outcome": "advice_given",
                                                    "tags": ["documents_taken", "unpaid_wages"]})
    assert resp.status == 200
    async with sqlite_hotline.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and (case.status, case.tags) == ("closed", ["documents_taken", "unpaid_wages"])
        out = (await session.scalars(select(Message.text).where(Message.direction == "out"))).all()
    assert out == ["Оператор: Hello, I am here."]  # in the person's language (ru)
    assert {"claim", "reply", "close"} <= set(await _audit(sqlite_hotline))


async def test_oversized_replies_are_refused(client: TestClient, sqlite_hotline: Hotline) -> None:
    alice = await operator(sqlite_hotline, "alice")
    case_id = (await raise_case(sqlite_hotline, await person(sqlite_hotline, "p"))).case_id
    from hotline_router.operations import Operations

    await Operations(sqlite_hotline).claim(alice, case_id, ip="t")
    assert await login(client, "alice") == 303
    token = await csrf(client)
    resp = await client.post(f"/console/cases/{case_id}/reply", data={"csrf_token": token, "text": "x" * 4001})
    assert resp.status == 413
    resp = await client.post(f"/console/cases/{case_id}/reply", data={"csrf_token": token, "text": "x" * 70_000})
    assert resp.status == 413  # stopped by the request size limit before any handler
    async with sqlite_hotline.sessions() as session:
        assert (await session.scalars(select(Message).where(Message.direction == "out"))).all() == []


async def test_html_from_people_is_shown_as_text(client: TestClient, sqlite_hotline: Hotline) -> None:
    alice = await operator(sqlite_hotline, "alice", role="supervisor")
    user = await person(sqlite_hotline, "p")
    ticket = await raise_case(sqlite_hotline, user, indicators=["<b>x</b>"], transcript=[
        {"direction": "in", "text": "<img src=x onerror=alert(1)>", "topic": None}])
    async with sqlite_hotline.sessions.begin() as session:
        await HotlineHandoff(sqlite_hotline).relay_from_person(
            session, case_id=ticket.case_id, user=user, kind="text",
            text='<script>alert("pwned")</script>', meta={})
    assert alice.is_supervisor
    assert await login(client, "alice") == 303
    page = await (await client.get(f"/console/cases/{ticket.case_id}")).text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>x</b>" not in page
    live = await (await client.get("/console/live")).text()
    assert "<b>x</b>" not in live and "&lt;b&gt;x&lt;/b&gt;" in live


async def test_supervisor_view_and_csv(client: TestClient, sqlite_hotline: Hotline, clock: Clock) -> None:
    await operator(sqlite_hotline, "boss", role="supervisor")
    await operator(sqlite_hotline, "alice")
    user = await person(sqlite_hotline, "secret-person-id")
    await raise_case(sqlite_hotline, user, level="high", transcript=[
        {"direction": "in", "text": "my name is Rustam", "topic": None}])
    clock.advance(minutes=10)
    await sqlite_hotline.watcher.run_once()  # an SLA breach
    assert await login(client, "alice") == 303
    assert (await client.get("/console/supervisor")).status == 403
    await client.post("/console/logout", data={"csrf_token": await csrf(client)})
    assert await login(client, "boss") == 303
    page = await (await client.get("/console/supervisor")).text()
    assert "SLA breach: case #1" in page and 'id="waiting-now">1<' in page
    csv_text = await (await client.get("/console/supervisor/export.csv?days=7")).text()
    assert csv_text.splitlines()[0].startswith("date,team,lang")
    assert "secret-person-id" not in csv_text and "Rustam" not in csv_text
    assert "export_csv" in await _audit(sqlite_hotline)


async def test_security_headers(client: TestClient) -> None:
    resp = await client.get("/console/login")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Cache-Control"] == "no-store"
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def _claimed_case(client: TestClient, hotline: Hotline) -> int:
    alice = await operator(hotline, "alice")
    case_id = (await raise_case(hotline, await person(hotline, "p"))).case_id
    from hotline_router.operations import Operations

    await Operations(hotline).claim(alice, case_id, ip="t")
    assert await login(client, "alice") == 303
    return case_id


async def test_reply_box_is_limited_in_the_browser(client: TestClient, sqlite_hotline: Hotline) -> None:
    case_id = await _claimed_case(client, sqlite_hotline)
    page = await (await client.get(f"/console/cases/{case_id}")).text()
    box = re.search(r"<textarea name=\"text\" id=\"reply-text\"[^>]*>", page)
    assert box is not None
    assert 'maxlength="4000"' in box[0] and 'data-counter="reply-count"' in box[0]
    assert 'id="reply-count"' in page and "0 / 4000" in page  # the counter, updated by console.js
    script = await (await client.get("/console/static/console.js")).text()
    assert "data-counter" in script and "maxlength" in script


async def test_an_oversized_reply_keeps_the_typed_text(client: TestClient, sqlite_hotline: Hotline) -> None:
    case_id = await _claimed_case(client, sqlite_hotline)
    token = await csrf(client)
    typed = "Здравствуйте! <b>Важно</b>: " + "очень длинный ответ " * 200  # over 4000 characters
    resp = await client.post(f"/console/cases/{case_id}/reply", data={"csrf_token": token, "text": typed})
    assert resp.status == 413
    page = await resp.text()
    assert "слишком длинный" in page and 'id="reply-error"' in page
    box = re.search(r'<textarea name="text" id="reply-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert box is not None
    import html

    assert html.unescape(box[1]) == typed  # every character kept, escaped in the page
    assert f"{len(typed)} / 4000" in page and "<b>Важно</b>" not in page
    assert f"Обращение №{case_id}" in page  # the case itself, not a bare error page
    async with sqlite_hotline.sessions() as session:
        assert (await session.scalars(select(Message).where(Message.direction == "out"))).all() == []


async def test_line_breaks_count_once_like_in_the_browser(client: TestClient, sqlite_hotline: Hotline) -> None:
    case_id = await _claimed_case(client, sqlite_hotline)
    token = await csrf(client)
    text = "строка\r\n" * 500  # 3500 characters in the box; 4000 as the browser sends them
    resp = await client.post(f"/console/cases/{case_id}/reply", data={"csrf_token": token, "text": text})
    assert resp.status == 200
    async with sqlite_hotline.sessions() as session:
        out = (await session.scalars(select(Message.text).where(Message.direction == "out"))).all()
    assert len(out) == 1 and "\r" not in out[0]


async def test_a_refused_reply_on_an_unclaimed_case_keeps_the_text(client: TestClient,
                                                                   sqlite_hotline: Hotline) -> None:
    await operator(sqlite_hotline, "alice")
    case_id = (await raise_case(sqlite_hotline, await person(sqlite_hotline, "p"))).case_id
    assert await login(client, "alice") == 303
    token = await csrf(client)
    resp = await client.post(f"/console/cases/{case_id}/reply",
                             data={"csrf_token": token, "text": "Мы вам поможем"})
    assert resp.status == 409
    page = await resp.text()
    assert "Сначала возьмите обращение" in page and 'id="reply-draft"' in page and "Мы вам поможем" in page


async def test_a_form_over_the_size_limit_says_how_to_get_the_text_back(
        client: TestClient, sqlite_hotline: Hotline) -> None:
    case_id = await _claimed_case(client, sqlite_hotline)
    token = await csrf(client)
    resp = await client.post(f"/console/cases/{case_id}/reply", data={"csrf_token": token, "text": "x" * 70_000})
    assert resp.status == 413 and "«Назад»" in await resp.text()
