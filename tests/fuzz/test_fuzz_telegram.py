"""Telegram updates of every kind fed to the real aiogram Dispatcher, built as the project
builds it (`build_telegram`, a recording session instead of HTTP): the dispatcher never
raises, and every message from a person gets an answer in their language."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Update
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from bot.app import Services
from bot.composition import build_services, build_telegram
from bot.i18n import LOCALES_DIR
from bot.telegram.factory import TelegramApp, make_bot
from tests.bot.telegram.mocked_session import MockedSession
from tests.bot.telegram.scripted import make_settings, scripted_understander
from tests.fuzz.strategies import FUZZ

PERSONS = {1001: "ru", 1002: "uz", 1003: "tg"}  # people who chose their language
BOT = {"id": 1, "is_bot": True, "first_name": "Hamroh"}
_ids = itertools.count(10_000)


def _catalogue(lang: str) -> dict[str, str]:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id and isinstance(m.id, str) and m.string}


CATALOGUES = {lang: _catalogue(lang) for lang in ("ru", "uz", "tg")}


def foreign_strings(lang: str) -> set[str]:
    """Interface strings (and English originals) that a reply in `lang` must not contain."""
    own = set(CATALOGUES[lang].values())
    out = {msgid for msgid in CATALOGUES[lang] if len(msgid) > 25 and msgid not in own}
    for other, catalogue in CATALOGUES.items():
        if other != lang:
            out |= {s for s in catalogue.values() if len(s) > 25 and s not in own}
    return {s.split("{")[0] for s in out if len(s.split("{")[0]) > 20}


@pytest.fixture(scope="module")
def app() -> Iterator[tuple[asyncio.AbstractEventLoop, Services, TelegramApp]]:
    loop = asyncio.new_event_loop()
    db = Path(tempfile.mkdtemp(prefix="fuzz-tg-")) / "hamroh.db"
    settings = make_settings(f"sqlite+aiosqlite:///{db}", flood_burst=1_000_000, flood_per_minute=1_000_000)
    services = loop.run_until_complete(build_services(settings, understander=scripted_understander()))
    tg = build_telegram(services, bot=make_bot(settings.telegram, session=MockedSession()))
    for person, lang in PERSONS.items():
        loop.run_until_complete(feed(tg, {"message": message(person, "/start")}))
        loop.run_until_complete(feed(tg, callback(person, f"lang:{lang}")))
    yield loop, services, tg
    loop.run_until_complete(services.close())
    loop.close()


async def feed(tg: TelegramApp, update: dict[str, Any]) -> None:
    parsed = Update.model_validate({"update_id": next(_ids), **update}, context={"bot": tg.bot})
    await tg.dp.feed_update(tg.bot, parsed)


def user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "P", "language_code": PERSONS.get(user_id, "en")}


def message(user_id: int, text: str | None = None, chat: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"message_id": next(_ids), "date": 1_700_000_000, "from": user(user_id),
                           "chat": chat or {"id": user_id, "type": "private", "first_name": "P"}, **extra}
    if text is not None:
        msg["text"] = text
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0] or "/")}]
    return msg


def callback(user_id: int, data: str, with_message: bool = True) -> dict[str, Any]:
    query: dict[str, Any] = {"id": str(next(_ids)), "chat_instance": "ci", "from": user(user_id), "data": data}
    if with_message:
        query["message"] = {"message_id": 9, "date": 1_700_000_000, "text": "…", "from": BOT,
                            "chat": {"id": user_id, "type": "private", "first_name": "P"}}
    return {"callback_query": query}


FILE = {"file_id": "f", "file_unique_id": "u"}
commands = st.sampled_from(["/start", "/menu", "/language", "/help", "/cancel", "/privacy", "/forget", "/weather",
                            "/start@hamroh_test_bot", "/"])
texts = st.one_of(st.text(min_size=1, max_size=300), commands, st.just("мой паспорт забрали"),
                  st.text(min_size=4000, max_size=5000))
contents = st.one_of(
    texts.map(lambda t: {"text": t}),
    st.just({"photo": [{**FILE, "width": 1, "height": 1}], "caption": "паспорт"}),
    st.just({"sticker": {**FILE, "type": "regular", "width": 1, "height": 1, "is_animated": False,
                         "is_video": False}}),
    st.just({"voice": {**FILE, "duration": 3}}),
    st.just({"document": {**FILE, "file_name": "x.pdf"}}),
    st.just({"location": {"latitude": 55.7, "longitude": 37.6}}),
    st.just({"contact": {"phone_number": "+7 900", "first_name": "A"}}),
    st.just({"poll": {"id": "p", "question": "?", "options": [{"persistent_id": "o", "text": "a", "voter_count": 0}],
                      "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                      "allows_multiple_answers": False, "allows_revoting": False, "members_only": False}}),
    st.sampled_from(["🎲", "🎯"]).map(lambda e: {"dice": {"emoji": e, "value": 1}}),
)
unknown = st.dictionaries(st.sampled_from(["x_new_field", "future_thing"]), st.integers() | st.text(max_size=5),
                          max_size=1)
people = st.sampled_from(sorted(PERSONS))


def _member(chat_type: str) -> dict[str, Any]:
    chat = {"id": -100500, "type": chat_type, "title": "g"}
    return {"chat": chat, "from": user(5), "date": 0, "old_chat_member": {"status": "left", "user": user(6)},
            "new_chat_member": {"status": "member", "user": user(6)}}


others = st.one_of(
    st.builds(lambda c, u: {"channel_post": {"message_id": 1, "date": 0, "chat": {"id": -1009, "type": "channel"},
                                             **c, **u}}, contents, unknown),
    st.builds(lambda c: {"message": message(5, chat={"id": -100501, "type": "group", "title": "g"}, **c)}, contents),
    st.sampled_from(["group", "supergroup", "channel"]).map(lambda t: {"my_chat_member": _member(t)}),
    st.sampled_from(["group", "supergroup"]).map(lambda t: {"chat_member": _member(t)}),
    st.builds(callback, people, st.text(max_size=64), st.booleans()),
    st.builds(callback, people, st.sampled_from(["lang:xx", "area:", "topic:", "topic:nope", "forget:no", "::"])),
)


@FUZZ
@given(people, contents, unknown, st.booleans(), others)
def test_dispatcher_never_raises_and_people_get_answers(
        app: tuple[asyncio.AbstractEventLoop, Services, TelegramApp], person: int, content: dict[str, Any],
        extra: dict[str, Any], edited: bool, other: dict[str, Any]) -> None:
    loop, _, tg = app
    session = tg.bot.session
    assert isinstance(session, MockedSession)
    loop.run_until_complete(feed(tg, other))
    session.requests.clear()
    msg = message(person, **content, **extra)
    update = {"edited_message": {**msg, "edit_date": 1_700_000_001}} if edited else {"message": msg, **extra}
    loop.run_until_complete(feed(tg, update))
    replies = [r for r in session.requests if getattr(r, "chat_id", None) == person]
    assert replies, f"no answer to {update}"
    texts = " ".join(str(getattr(r, "text", "") or getattr(r, "caption", "") or "") for r in replies)
    for wrong in foreign_strings(PERSONS[person]):
        assert wrong not in texts, f"{PERSONS[person]} person got {wrong!r}"
