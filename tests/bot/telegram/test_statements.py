"""The database statements one Telegram update costs, counted with SQLAlchemy events: one
look-up of the person (shared by the middleware and the engine), flood control before any
database work. A change that adds a query to the message path fails here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiogram.types import Update
from sqlalchemy import event

from bot.app import Services
from bot.composition import build_telegram
from bot.telegram.factory import TelegramApp, make_bot
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.mocked_session import MockedSession

PERSON = 4242


@pytest.fixture
async def tg(services: Services) -> AsyncIterator[TelegramApp]:
    yield build_telegram(services, bot=make_bot(services.settings.telegram, session=MockedSession()))


@contextmanager
def counted(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(services.db.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(services.db.sync_engine, "before_cursor_execute", on_execute)


async def feed(tg: TelegramApp, update: dict[str, Any], update_id: int = 1) -> None:
    await tg.dp.feed_update(tg.bot, Update.model_validate({"update_id": update_id, **update},
                                                          context={"bot": tg.bot}))


def text(body: str) -> dict[str, Any]:
    return {"message": FakeBotAPI().message(PERSON, body)}


def press(data: str) -> dict[str, Any]:
    return {"callback_query": {"id": "1", "chat_instance": "c", "from": FakeBotAPI.user(PERSON, "ru"),
                               "data": data, "message": {"message_id": 9, "date": 0, "text": "…",
                                                         "chat": {"id": PERSON, "type": "private"}}}}


# The person's row (with their language and, in the same SELECT, their open case), the last
# messages (for words only: context for the NLU and the risk rules), and one batched INSERT
# of the message with the replies. users.last_seen_at is refreshed at most every few
# minutes, not here.
EXPECTED = [
    ("question in words", text("как получить патент"), 3),
    ("topic button", press("t:docs_patent"), 2),
    ("menu button", press("menu"), 2),
    ("command", text("/help"), 2),
]


@pytest.mark.parametrize(("what", "update", "count"), EXPECTED, ids=[e[0] for e in EXPECTED])
async def test_statements_per_update(tg: TelegramApp, services: Services, what: str,
                                     update: dict[str, Any], count: int) -> None:
    await feed(tg, text("/start"))
    await feed(tg, press("lang:ru"))
    with counted(services) as statements:
        await feed(tg, update)
    kinds = [s.split()[0] for s in statements]
    assert kinds.count("SELECT") == count - 1 and kinds.count("INSERT") == 1, statements
    assert len(statements) == count, statements
    assert sum("FROM users" in s for s in statements) == 1  # one look-up of the person
    assert all("FROM hotline_cases" not in s or "FROM users" in s for s in statements)  # the case rides along


async def test_a_person_with_an_open_case_is_relayed_on_the_one_look_up(tg: TelegramApp, services: Services) -> None:
    await feed(tg, text("/start"))
    await feed(tg, press("lang:ru"))
    await feed(tg, text("/human"), update_id=2)  # queues a case
    with counted(services) as statements:
        await feed(tg, text("они снова кричат на меня"), update_id=3)
    assert sum("FROM users" in s for s in statements) == 1
    # No look-up of the open case of its own (the relay then loads that case by its id).
    assert [s for s in statements if "hotline_cases.user_id = ?" in s] == [], statements
    assert any(s.startswith("INSERT INTO hotline_messages") for s in statements), statements  # relayed


async def test_flood_refusal_costs_no_statement(tg: TelegramApp, services: Services) -> None:
    services.settings.telegram.flood_burst = 1
    tg = build_telegram(services, bot=make_bot(services.settings.telegram, session=MockedSession()))
    await feed(tg, text("/start"))
    with counted(services) as statements:
        await feed(tg, text("/help"), update_id=2)
        await feed(tg, text("/help"), update_id=3)
    assert statements == [] and tg.flood.dropped == 2
