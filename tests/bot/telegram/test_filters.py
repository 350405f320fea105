"""Every filter of the dispatcher is awaited on the event loop: aiogram runs a plain function
or magic filter in a worker thread (bot/telegram/filters.py says why that matters)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiogram import F, Router
from aiogram.dispatcher.event.handler import FilterObject

from bot.app import Services
from bot.composition import build_telegram
from bot.telegram.factory import make_bot
from bot.telegram.filters import instant
from tests.bot.telegram.mocked_session import MockedSession


def filters(router: Router) -> Iterator[tuple[str, FilterObject]]:
    for name, observer in router.observers.items():
        for f in observer._handler.filters or []:  # the router's own filters
            yield f"{router.name}.{name} (router)", f
        for handler in observer.handlers:
            for f in handler.filters or []:
                yield f"{router.name}.{name} -> {handler.callback.__name__}", f
    for sub in router.sub_routers:
        yield from filters(sub)


async def test_no_filter_of_the_dispatcher_runs_in_a_thread(services: Services) -> None:
    tg = build_telegram(services, bot=make_bot(services.settings.telegram, session=MockedSession()))
    found = list(filters(tg.dp))
    assert len(found) > 20  # the walk reaches the journeys' filters
    in_threads = [where for where, f in found if not f.awaitable]
    assert in_threads == [], f"wrap these in bot.telegram.filters.instant(...): {in_threads}"


@pytest.mark.parametrize(("check", "event", "expected"), [
    (F.text, type("M", (), {"text": "salom"})(), True),
    (F.text, type("M", (), {"text": None})(), False),
    (F.text.startswith("/"), type("M", (), {"text": "/help"})(), True),
    (lambda m: m.text == "x", type("M", (), {"text": "y"})(), False),
    (F.text.as_("body"), type("M", (), {"text": "salom"})(), {"body": "salom"}),
])
async def test_instant_gives_what_aiogram_would(check: object, event: object, expected: object) -> None:
    assert await instant(check)(event) == expected  # type: ignore[arg-type]


async def test_a_plain_magic_filter_would_be_caught(services: Services) -> None:
    r = Router(name="careless")
    r.message.register(lambda m: None, F.text)
    assert [where for where, f in filters(r) if not f.awaitable] == ["careless.message -> <lambda>"]
