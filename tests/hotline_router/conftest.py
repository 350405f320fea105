"""Fixtures of the hotline tests: a fixed routing file, a clock the test moves, the queue on
SQLite and PostgreSQL, people (real `users` rows) and operators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import Catalogs
from bot.storage import repo
from bot.storage.db import make_sessionmaker
from bot.storage.models import User
from hotline_router import operators
from hotline_router.config import HotlineSettings
from hotline_router.models import Operator
from hotline_router.routing import Routing, load_routing
from hotline_router.service import Hotline, HotlineHandoff, Ticket

HERE = Path(__file__).parent
# Wednesday 18 March 2026, 10:00 in Moscow: every test team is open.
WEDNESDAY_10_MSK = dt.datetime(2026, 3, 18, 7, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self, now: dt.datetime = WEDNESDAY_10_MSK) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def routing() -> Routing:
    return load_routing(HERE / "routing_test.yaml")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs.load()


def make_hotline(engine: AsyncEngine, routing: Routing, clock: Clock, catalogs: Catalogs,
                 **settings: Any) -> Hotline:
    return Hotline(sessions=make_sessionmaker(engine), settings=HotlineSettings(**settings),
                   catalogs=catalogs, routing=routing, clock=clock)


@pytest.fixture
def hotline(any_engine: AsyncEngine, routing: Routing, clock: Clock, catalogs: Catalogs) -> Hotline:
    return make_hotline(any_engine, routing, clock, catalogs)


@pytest.fixture
def sqlite_hotline(sqlite_engine: AsyncEngine, routing: Routing, clock: Clock, catalogs: Catalogs) -> Hotline:
    return make_hotline(sqlite_engine, routing, clock, catalogs)


async def person(hotline: Hotline, external_id: str, *, country: str | None = "RU",
                 lang: str = "ru", transport: str = "test") -> User:
    async with hotline.sessions.begin() as session:
        user, _ = await repo.get_or_create_user(session, transport=transport, external_id=external_id)
        user.country, user.lang = country, lang
    return user


async def raise_case(hotline: Hotline, user: User, *, level: str = "none", lang: str = "ru",
                     indicators: Sequence[str] = (), transcript: Sequence[dict[str, Any]] = ()) -> Ticket:
    async with hotline.sessions.begin() as session:
        return await HotlineHandoff(hotline).request(
            session, user=user, lang=lang, level=level, indicators=indicators,
            evidence=[{"rule": "r1", "matched": "забрал паспорт"}] if level == "high" else [],
            transcript=transcript)


async def operator(hotline: Hotline, username: str, *, role: str = "operator",
                   teams: Sequence[str] = (), online: bool = False) -> Operator:
    async with hotline.sessions.begin() as session:
        op = await operators.add(session, username=username, password=PASSWORD, role=role,
                                 teams=teams)
        if online:
            op.last_seen_at = hotline.clock()
    return op
