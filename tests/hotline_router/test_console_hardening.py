"""Findings of the console security test (issue 10), on SQLite and PostgreSQL: disabled
accounts lose their sessions for good, sessions survive a restart with the generated key,
spreadsheet formulas are neutralised in the CSV export, impossible ids are 404."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import Catalogs
from hotline_router import auth, operators
from hotline_router.console.app import COOKIE, make_app
from hotline_router.models import ConsoleSession
from hotline_router.routing import Routing
from hotline_router.service import Hotline
from hotline_router.stats import neutral

from .conftest import PASSWORD, Clock, make_hotline, operator, person, raise_case

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Cfg:
    cookie_secure = False
    session_ttl_s = 3600


@pytest.fixture
def keyed(any_engine: AsyncEngine, routing: Routing, clock: Clock, catalogs: Catalogs,
          tmp_path: Path) -> Hotline:
    return make_hotline(any_engine, routing, clock, catalogs,
                        console_secret_file=tmp_path / "data" / "console_secret.key")


@pytest.fixture
async def client(keyed: Hotline) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(keyed, Cfg()))) as c:
        yield c


async def login(client: TestClient, username: str) -> str:
    """Logs in from a clean browser and returns the session cookie's value."""
    client.session.cookie_jar.clear()
    found = CSRF.search(await (await client.get("/console/login")).text())
    assert found is not None
    resp = await client.post("/console/login", allow_redirects=False,
                             data={"username": username, "password": PASSWORD, "csrf_token": found[1]})
    assert resp.status == 303
    return resp.cookies[COOKIE].value


async def status_with(client: TestClient, cookie: str, path: str = "/console/") -> int:
    resp = await client.get(path, allow_redirects=False, cookies={COOKIE: cookie})
    await resp.read()
    return resp.status


async def set_active(hotline: Hotline, username: str, active: bool) -> None:
    async with hotline.sessions.begin() as session:
        await operators.set_active(session, username, active)


async def test_reenabling_does_not_revive_sessions(client: TestClient, keyed: Hotline) -> None:
    await operator(keyed, "alice")
    await operator(keyed, "bob")
    cookie, other = await login(client, "alice"), await login(client, "bob")
    client.session.cookie_jar.clear()
    assert await status_with(client, cookie) == 200
    await set_active(keyed, "alice", False)
    assert await status_with(client, cookie) == 303  # to the login page
    await set_active(keyed, "alice", True)
    assert await status_with(client, cookie) == 303  # still gone after re-enabling
    assert await status_with(client, other) == 200  # bob's session is untouched
    client.session.cookie_jar.clear()
    assert await status_with(client, await login(client, "alice")) == 200  # a new login works


async def test_a_session_started_while_disabled_dies_on_enable(keyed: Hotline) -> None:
    """A login that raced with `disable` (password checked before, session written after)."""
    alice = await operator(keyed, "alice")
    await set_active(keyed, "alice", False)
    keys = auth.Keys(b"k" * 32)
    async with keyed.sessions.begin() as session:
        op = await session.get(type(alice), alice.id)
        assert op is not None
        token = await auth.start_session(session, keys, op, ttl_s=60, now=keyed.clock())
    await set_active(keyed, "alice", True)
    async with keyed.sessions.begin() as session:
        assert await auth.resolve(session, keys, token, keyed.clock()) is None
        assert await session.scalar(select(func.count(ConsoleSession.id))) == 0


async def test_sessions_survive_a_restart_with_the_generated_key(keyed: Hotline, tmp_path: Path) -> None:
    await operator(keyed, "alice")
    async with TestClient(TestServer(make_app(keyed, Cfg()))) as first:
        cookie = await login(first, "alice")
    key_file = tmp_path / "data" / "console_secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    async with TestClient(TestServer(make_app(keyed, Cfg()))) as restarted:  # a new process
        assert await status_with(restarted, cookie) == 200
    # A configured key always wins over the file (and so ends the file's sessions).
    keyed.settings.console_secret_key = type(keyed.settings).model_validate(
        {"console_secret_key": "configured-secret-configured-secret"}).console_secret_key
    async with TestClient(TestServer(make_app(keyed, Cfg()))) as configured:
        assert await status_with(configured, cookie) == 303


def test_the_key_file_is_made_once_even_by_racing_processes(tmp_path: Path) -> None:
    path = tmp_path / "data" / "console_secret.key"
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(auth.load_or_create_secret(path)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert os.listdir(path.parent) == ["console_secret.key"]  # no half-written leftovers
    path.chmod(0o644)
    assert auth.load_or_create_secret(path) == keys[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened


async def test_formulas_are_neutralised_in_the_csv(client: TestClient, keyed: Hotline) -> None:
    await operator(keyed, "boss", role="supervisor")
    await raise_case(keyed, await person(keyed, "p", country="=2+5+cmd"))
    await login(client, "boss")
    body = await (await client.get("/console/supervisor/export.csv?days=7")).text()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["country"] == "'=2+5+cmd"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values())


def test_neutral_cells() -> None:
    for bad in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutral(bad) == "'" + bad
    assert neutral("RU") == "RU" and neutral("") == "" and neutral(-1.5) == -1.5 and neutral(3) == 3


async def test_impossible_ids_are_not_found(client: TestClient, keyed: Hotline) -> None:
    await operator(keyed, "boss", role="supervisor")
    case_id = (await raise_case(keyed, await person(keyed, "p"))).case_id
    await login(client, "boss")
    page = await (await client.get("/console/")).text()
    found = CSRF.search(page)
    assert found is not None
    huge = ["99999999999999999999999", "2147483648", "9223372036854775808", "0", "0" * 30 + "1" * 30,
            "1" * 5000]
    for raw in huge:
        for path in (f"/console/cases/{raw}", f"/console/cases/{raw}/conversation"):
            assert (await client.get(path)).status == 404, path
        for path in (f"/console/cases/{raw}/claim", f"/console/alerts/{raw}/ack"):
            assert (await client.post(path, data={"csrf_token": found[1]})).status == 404, path
    for raw in ("１２", "1e3", "-1", "abc"):  # not ASCII digits: no route or 404, never 500
        assert (await client.get(f"/console/cases/{raw}")).status == 404
    assert (await client.get("/console/cases/2147483647")).status == 404  # the largest id: just absent
    assert (await client.get(f"/console/cases/{case_id}")).status == 200
