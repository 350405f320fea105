"""Login abuse against a real console server (aiohttp test server, real argon2, SQLite and
PostgreSQL): a concurrent burst checks only the allowed number of passwords, the per-account
delay cannot be used to lock out other accounts or addresses, X-Forwarded-For counts only from
a trusted proxy, and password hashing never stops the event loop."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import Catalogs
from hotline_router import operators
from hotline_router.console.app import make_app
from hotline_router.console.client import TrustedProxies, throttle_key
from hotline_router.console.keys import THROTTLE
from hotline_router.console.throttle import LoginThrottle, Policy, Throttled
from hotline_router.models import AuditEntry
from hotline_router.routing import Routing
from hotline_router.service import Hotline

from .conftest import PASSWORD, Clock, make_hotline, operator

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Ticks:
    """The throttle's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Cfg:
    cookie_secure = False
    session_ttl_s = 3600


class Counted:
    """Wraps operators.verify_password: counts the argon2 checks, optionally holds them."""

    def __init__(self, real: Callable[[str, str], bool]) -> None:
        self.real, self.calls, self.lock = real, 0, threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        self.loop_thread: int | None = None  # set by the fixture: the test's event loop thread
        self.loop_thread_calls = 0

    def __call__(self, stored: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
            if self.loop_thread is not None and threading.get_ident() == self.loop_thread:
                self.loop_thread_calls += 1
        self.gate.wait(timeout=30)
        return self.real(stored, password)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    wrapper = Counted(operators.verify_password)
    wrapper.loop_thread = threading.get_ident()  # pytest-asyncio runs the loop in this thread
    monkeypatch.setattr(operators, "verify_password", wrapper)
    return wrapper


def hotline_with(engine: AsyncEngine, routing: Routing, clock: Clock, catalogs: Catalogs,
                 tmp_path: Path, **settings: Any) -> Hotline:
    return make_hotline(engine, routing, clock, catalogs, console_secret_file=tmp_path / "key",
                        **settings)


@pytest.fixture
def proxied(any_engine: AsyncEngine, routing: Routing, clock: Clock, catalogs: Catalogs,
            tmp_path: Path) -> Hotline:
    return hotline_with(any_engine, routing, clock, catalogs, tmp_path, trusted_proxies=["127.0.0.1"])


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
async def client(proxied: Hotline, ticks: Ticks) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(proxied, Cfg(), login_clock=ticks))) as c:
        yield c


async def form_token(client: TestClient) -> str:
    found = CSRF.search(await (await client.get("/console/login")).text())
    assert found is not None
    return found[1]


async def post_login(client: TestClient, token: str, username: str, password: str,
                     forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    resp = await client.post("/console/login", allow_redirects=False, headers=headers,
                             data={"username": username, "password": password, "csrf_token": token})
    await resp.read()
    return resp.status


async def fresh_login(client: TestClient, username: str, forwarded_for: str | None = None) -> int:
    """A log-in from a clean browser (no session cookie left over)."""
    client.session.cookie_jar.clear()
    return await post_login(client, await form_token(client), username, PASSWORD, forwarded_for)


async def test_a_burst_checks_only_the_free_attempts(client: TestClient, proxied: Hotline, ticks: Ticks,
                                                     counted: Counted) -> None:
    await operator(proxied, "alice")
    await operator(proxied, "bob")
    counted.calls = 0
    counted.gate.clear()  # hold the checks, so the whole burst is in flight at once
    token = await form_token(client)
    attacker = "198.51.100.7"
    wrong = [asyncio.create_task(post_login(client, token, "alice", f"guess number {i}", attacker))
             for i in range(40)]
    throttle = client.server.app[THROTTLE]
    for _ in range(500):
        if throttle.failures("user:alice") >= 3 and sum(t.done() for t in wrong) >= 37:
            break
        await asyncio.sleep(0.01)
    # The right password, while three wrong ones are still being checked: refused unchecked.
    assert await post_login(client, token, "alice", PASSWORD, attacker) == 429
    counted.gate.set()
    statuses = await asyncio.gather(*wrong)
    assert sorted(statuses) == [401] * 3 + [429] * 37
    assert counted.calls == 3  # login_free_attempts; none of the 38 others reached argon2
    resp = await client.post("/console/login", allow_redirects=False, headers={"X-Forwarded-For": attacker},
                             data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
    # Alice's delay is hers alone: bob logs in, from another address and from the attacker's.
    assert await fresh_login(client, "bob", "203.0.113.20") == 303
    assert await fresh_login(client, "bob", attacker) == 303
    # ... and it is a delay, not a lockout: one second later alice gets in.
    ticks.now += 1.0
    assert await fresh_login(client, "alice", "203.0.113.21") == 303
    assert throttle.failures("user:alice") == 0  # the right password forgave the failures


async def test_forwarded_for_counts_only_from_a_trusted_proxy(
        any_engine: AsyncEngine, routing: Routing, clock: Clock, catalogs: Catalogs, tmp_path: Path) -> None:
    for trusted in (["127.0.0.1"], []):
        hotline = hotline_with(any_engine, routing, clock, catalogs, tmp_path, trusted_proxies=trusted,
                               login_address_limit=3)
        async with TestClient(TestServer(make_app(hotline, Cfg()))) as c:
            if trusted:
                await operator(hotline, "carol")
            token = await form_token(c)
            for name in ("x1", "x2", "x3"):  # three failures on three accounts from one address
                assert await post_login(c, token, name, "wrong wrong", "203.0.113.5") == 401
            # The address has used its budget: even a right password from there waits...
            assert await post_login(c, token, "carol", PASSWORD, "203.0.113.5") == 429
            # ... also when the client forges an earlier hop (the proxy appends the real one).
            assert await post_login(c, token, "carol", PASSWORD, "198.51.100.1, 203.0.113.5") == 429
            # Another address behind the same proxy is its own budget, but only through a
            # trusted proxy: without one, every request is 127.0.0.1 and the header is ignored.
            expected = 303 if trusted else 429
            assert await post_login(c, token, "carol", PASSWORD, "203.0.113.6") == expected
        async with hotline.sessions() as session:
            ips = (await session.scalars(select(AuditEntry.ip).where(AuditEntry.action.like("login%"))
                                         .order_by(AuditEntry.id.desc()))).all()
        assert ips[0] == ("203.0.113.6" if trusted else "127.0.0.1")


async def test_password_hashing_leaves_the_event_loop_free(client: TestClient, proxied: Hotline,
                                                           counted: Counted) -> None:
    """A fault test without a stopwatch: every argon2 check is held mid-way on a gate, and
    while they are held the console still serves another browser's pages. Had a check run on
    the event loop, the held check would hold the loop too and no page could be served (the
    probe times out); the checks' threads are also asserted directly."""
    for i in range(5):
        await operator(proxied, f"op{i}")
    counted.calls = 0
    token = await form_token(client)
    counted.gate.clear()
    burst = [asyncio.create_task(post_login(client, token, f"op{i % 5}", "not the password",
                                            f"203.0.113.{i % 10}")) for i in range(100)]
    for _ in range(1000):  # until a check is inside argon2's wrapper, held on the gate
        if counted.calls >= 1:
            break
        await asyncio.sleep(0.01)
    assert counted.calls >= 1
    async with aiohttp.ClientSession() as other:  # another browser (its own connections)
        for _ in range(5):
            async with asyncio.timeout(20):
                async with other.get(client.make_url("/console/login")) as resp:
                    assert resp.status == 200
                    await resp.read()
    assert not any(task.done() and task.result() == 401 for task in burst)  # still held
    counted.gate.set()
    statuses = await asyncio.gather(*burst)
    assert set(statuses) <= {401, 429}
    assert counted.calls >= 2
    assert counted.loop_thread_calls == 0


def test_the_throttle_policy_in_numbers() -> None:
    ticks = Ticks()
    throttle = LoginThrottle(Policy(free_attempts=3, base_delay_s=1, max_delay_s=60, address_limit=50,
                                    memory_s=900), clock=ticks)
    for _ in range(3):
        throttle.reserve("user:a", "ip:1")
    waits = []
    for _ in range(10):
        with pytest.raises(Throttled) as refused:
            throttle.reserve("user:a", "ip:1")
        waits.append(refused.value.retry_after_s)
        ticks.now += refused.value.retry_after_s
        throttle.reserve("user:a", "ip:1")
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    ticks.now += 60 + 901  # forgotten after a quiet quarter of an hour
    throttle.reserve("user:a", "ip:2")
    assert throttle.failures("user:a") == 1
    # The address budget: 50 failures whatever the accounts; a success gives its slot back.
    office = LoginThrottle(clock=ticks)
    for i in range(49):
        office.reserve(f"user:{i}", "ip:office")
    office.succeeded(office.reserve("user:boss", "ip:office"))
    office.reserve("user:late", "ip:office")
    with pytest.raises(Throttled) as refused:
        office.reserve("user:other", "ip:office")
    assert refused.value.reason == "address"
    office.cancel(office.reserve("user:x", "ip:elsewhere"))
    assert office.failures("user:x") == 0


def test_client_addresses() -> None:
    none, proxy = TrustedProxies(), TrustedProxies(["10.0.0.0/8", "127.0.0.1"])
    assert none.client("127.0.0.1", ["203.0.113.9"]) == "127.0.0.1"
    assert proxy.client("127.0.0.1", ["203.0.113.9"]) == "203.0.113.9"
    assert proxy.client("127.0.0.1", ["1.2.3.4, 203.0.113.9, 10.1.1.1"]) == "203.0.113.9"
    assert proxy.client("127.0.0.1", ["203.0.113.9:5123"]) == "203.0.113.9"
    assert proxy.client("127.0.0.1", ["garbage"]) == "127.0.0.1"
    assert proxy.client("127.0.0.1", []) == "127.0.0.1"
    assert proxy.client("198.51.100.3", ["203.0.113.9"]) == "198.51.100.3"  # not a trusted peer
    assert proxy.client("::ffff:127.0.0.1", ["[2001:db8::5]:443"]) == "2001:db8::5"
    assert throttle_key("2001:db8::5") == throttle_key("2001:db8::ffff") == "2001:db8::/64"
    assert throttle_key("203.0.113.9") == "203.0.113.9"


async def test_a_full_hashing_queue_says_busy_and_counts_nothing(
        any_engine: AsyncEngine, routing: Routing, clock: Clock, catalogs: Catalogs, tmp_path: Path,
        counted: Counted) -> None:
    hotline = hotline_with(any_engine, routing, clock, catalogs, tmp_path, login_max_pending=1)
    async with TestClient(TestServer(make_app(hotline, Cfg()))) as c:
        token = await form_token(c)
        counted.gate.clear()
        held = asyncio.create_task(post_login(c, token, "dora", "wrong wrong"))
        for _ in range(500):
            if operators.pending_hashes() >= 1:
                break
            await asyncio.sleep(0.01)
        resp = await c.post("/console/login", allow_redirects=False,
                            data={"username": "erin", "password": "wrong wrong", "csrf_token": token})
        assert resp.status == 503 and resp.headers["Retry-After"] == "5"
        counted.gate.set()
        assert await held == 401
        assert c.server.app[THROTTLE].failures("user:erin") == 0  # never checked, never counted
