"""The case view in words: button presses and commands read as what the person did (the raw
value stays in a tooltip), and each file the person sent is linked from its message."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import types as engine_types
from hotline_router import readable
from hotline_router.console.app import make_app
from hotline_router.console.attachments import Attachment, pair
from hotline_router.console.keys import ATTACHMENTS
from hotline_router.models import Message, Operator
from hotline_router.operations import Operations
from hotline_router.service import Hotline, HotlineHandoff

from .conftest import operator, person, raise_case
from .test_console import ConsoleCfg, login


def test_the_payload_prefixes_are_the_engines() -> None:
    assert readable.LANG_PREFIX == engine_types.LANG_PREFIX
    assert readable.TOPIC_PREFIX == engine_types.TOPIC_PREFIX
    assert readable.AREA_PREFIX == engine_types.AREA_PREFIX
    assert readable.COUNTRY_PREFIX == engine_types.COUNTRY_PREFIX
    assert readable.MENU == engine_types.MENU and readable.LANG_PICKER == engine_types.LANG_PICKER
    assert (readable.HANDOFF_YES, readable.HANDOFF_NO) == (engine_types.HANDOFF_YES, engine_types.HANDOFF_NO)


@pytest.mark.parametrize(("kind", "stored", "shown", "raw"), [
    ("command", "start", "[command] /start", "start"),
    ("button", "lang:tg", "[button] Language: Tajik", "lang:tg"),
    ("button", "[button] lang:uz", "[button] Language: Uzbek", "lang:uz"),  # relayed during a handoff
    ("button", "handoff:yes", "[button] Talk to a person: yes", "handoff:yes"),
    ("button", "t:docs_patent", "[button] topic: docs_patent", "t:docs_patent"),
    ("button", "area:docs", "[button] menu section: docs", "area:docs"),
    ("button", "country:KZ", "[button] Country: KZ", "country:KZ"),
    ("button", "menu", "[button] Main menu", "menu"),
    ("button", "something:new", "[button] something:new", "something:new"),
    ("media", "photo", "[photo]", ""),
    ("media", "[voice] ", "[voice]", ""),
    ("media", "[document] my contract", "[document] my contract", ""),
    ("text", "lang:tg", "lang:tg", ""),  # typed words are shown as typed
    (None, "hello", "hello", ""),
])
def test_describe(kind: str | None, stored: str, shown: str, raw: str) -> None:
    r = readable.describe(kind, stored)
    assert (r.text, r.raw) == (shown, raw)


def _msg(id_: int, kind: str, text: str, direction: str = "in") -> Message:
    return Message(id=id_, case_id=1, at=dt.datetime(2026, 3, 18, tzinfo=dt.UTC), direction=direction,
                   kind=kind, text=text, transport="t", external_id="x", status="received")


def test_files_are_paired_with_their_messages_by_type_and_order() -> None:
    messages = [_msg(1, "media", "[photo] first"), _msg(2, "media", "[location] "),
                _msg(3, "text", "hello"), _msg(4, "media", "[voice] "), _msg(5, "media", "[photo] "),
                _msg(6, "text", "[photo] typed", direction="out")]
    files = [Attachment("photo", "/f/1"), Attachment("voice", "/f/2", "a.ogg"), Attachment("photo", "/f/3")]
    assert pair(messages, files) == {1: files[0], 4: files[1], 5: files[2]}  # a location has no file


@dataclass
class Source:
    files: list[Attachment]

    def index_url(self, case_id: int) -> str:
        return f"/console/files-of/{case_id}"

    async def attachments(self, session: AsyncSession, case_id: int) -> list[Attachment]:
        return self.files


@pytest.fixture
async def client(sqlite_hotline: Hotline) -> AsyncIterator[TestClient]:
    app = make_app(sqlite_hotline, ConsoleCfg())
    app[ATTACHMENTS] = Source([Attachment("photo", "/console/files-of/1/7", "IMG_1.jpg")])
    async with TestClient(TestServer(app)) as c:
        yield c


async def test_case_view_shows_presses_and_commands_in_words_and_links_files(
        client: TestClient, sqlite_hotline: Hotline) -> None:
    op = await operator(sqlite_hotline, "alice", role="supervisor")
    async with sqlite_hotline.sessions.begin() as session:  # the English console: its words
        await session.execute(update(Operator).where(Operator.id == op.id).values(locale="en"))
    user = await person(sqlite_hotline, "p")
    transcript = [{"direction": "in", "kind": "command", "text": "start", "topic": None},
                  {"direction": "in", "kind": "button", "text": "lang:tg", "topic": None},
                  {"direction": "in", "kind": "button", "text": "area:docs", "topic": None},
                  {"direction": "in", "kind": "button", "text": "t:docs_patent", "topic": "docs_patent"},
                  {"direction": "out", "kind": "reply", "text": "<b>Патент</b> нужен", "topic": "docs_patent"},
                  {"direction": "in", "kind": "button", "text": "handoff:yes", "topic": None}]
    ticket = await raise_case(sqlite_hotline, user, transcript=transcript)
    handoff = HotlineHandoff(sqlite_hotline)
    async with sqlite_hotline.sessions.begin() as session:
        for kind, text, meta in [("command", "menu", {}), ("button", "lang:ru", {}),
                                 ("media", "мой патент", {"media_type": "photo"}),
                                 ("media", "", {"media_type": "location"})]:
            await handoff.relay_from_person(session, case_id=ticket.case_id, user=user, kind=kind,
                                            text=text, meta=meta)
    await Operations(sqlite_hotline).claim(op, ticket.case_id, ip="t")
    assert await login(client, "alice") == 303
    for url in (f"/console/cases/{ticket.case_id}", f"/console/cases/{ticket.case_id}/conversation"):
        page = html.unescape(await (await client.get(url)).text())
        for shown, raw in [("[command] /start", "start"), ("[button] Language: Tajik", "lang:tg"),
                           ("[button] menu section: docs", "area:docs"),
                           ("[button] topic: docs_patent", "t:docs_patent"),
                           ("[button] Talk to a person: yes", "handoff:yes"),
                           ("[command] /menu", "menu"), ("[button] Language: Russian", "lang:ru")]:
            assert re.search(rf'title="{re.escape(raw)}">{re.escape(shown)}<', page), shown
        assert ">lang:tg<" not in page and ">start<" not in page  # no bare codes
        assert "Патент нужен" in page  # the bot's own answers as before
        # The photo message links its file; the location has none; all files are one click away.
        assert '[photo] мой патент' in page
        assert re.search(r'photo:\s*<a href="/console/files-of/1/7" class="file-link">open the photo '
                         r'\(IMG_1.jpg\)</a>', page)
        assert "[location]" in page and page.count('class="file-link"') == 1  # a location has no file
        assert 'href="/console/files-of/1"' in page
