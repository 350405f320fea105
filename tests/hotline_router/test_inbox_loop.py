"""The whole loop of issue 15 on the embedded backend, in a real headless Chromium:

scripted conversations through the engine -> the misunderstood messages appear in the inbox,
redacted -> an editor labels them in the console (one click per group of near-duplicates) ->
`hamroh nlu inbox export` writes Rasa YAML that `hamroh nlu check` accepts -> cross-validation
does not drop -> the model is retrained and swapped in place (as the running service does on
`hamroh nlu train`) -> the same messages are answered with the labelled topic.

The training data is a copy in tmp_path; the repository's files are never touched.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestServer
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.store import ContentStore
from bot.engine.engine import Engine
from bot.engine.handoff import RecordingHandoff
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from bot.inbox.capture import InboxCapture
from bot.inbox.config import InboxSettings
from bot.inbox.desk import InboxDesk
from bot.inbox.models import InboxItem
from bot.settings import Settings
from hotline_router.console import inbox as inbox_pages
from hotline_router.console.app import make_app
from hotline_router.service import Hotline
from nlu.cli import nlu_group
from nlu.embedded import load_or_train
from nlu.inbox.export import Labelled
from nlu.inbox.reload import refresh
from nlu.inbox.review import review
from nlu.service import EmbeddedNLU
from tests.bot.engine.real_nlu import ROOT, real_understander
from tests.bot.engine.talk import Conversation

from .conftest import PASSWORD, operator
from .test_browser import FLAGS, ConsoleCfg, chromium  # noqa: F401  (the fixture)

TOPIC = "rights_unpaid_wages"
# Slang the bot does not place ("the boss kept the money for the graft"); one with a phone.
SLANG = ("шеф зажал лавэ за пахоту", "шеф зажал лавэ за пахоту!!", "шеф лавэ зажал за всю пахоту",
         "шефуля зажал лавэ за пахоту", "шеф зажал лавэ за всю пахоту в июле",
         "шеф зажал лаве за пахоту, тел 89165551234")
PHONE = "89165551234"
pytestmark = pytest.mark.browser


def _engine(understander: Understander) -> Engine:
    content = ContentStore(ROOT / "content")
    content.reload()
    return Engine(content=content, understander=understander, catalogs=Catalogs.load(),
                  handoff=RecordingHandoff(), capture=InboxCapture(InboxSettings()))


async def _say(engine: Engine, db: AsyncEngine, who: str, text: str) -> str | None:
    talk = Conversation(engine, db, user=who)
    await talk.start("ru")
    return (await talk.send("text", text)).topic


async def _label_in_browser(hotline: Hotline, desk: InboxDesk, chromium_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    await operator(hotline, "dilnoza", role="editor")
    app = make_app(hotline, ConsoleCfg())
    inbox_pages.mount(app, desk)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(chromium_path), headless=True, args=FLAGS)
            page = await browser.new_page(viewport={"width": 1366, "height": 768})
            await page.goto(f"{base}/console/login")
            await page.fill("#username", "dilnoza")
            await page.fill("#password", PASSWORD)
            await page.click("#login")
            await expect(page.locator("#inbox")).to_be_visible()  # an editor lands on the inbox
            await page.goto(f"{base}/console/")  # the queue is not theirs
            assert page.url.endswith("/console/inbox")
            await page.select_option("#f-lang", "ru")
            await page.click("#f-apply")
            groups = page.locator("tr.group")
            await expect(groups).to_have_count(len(SLANG) - 1)  # the first two are near-duplicates
            await expect(page.locator("#inbox")).not_to_contain_text(PHONE)
            while await groups.count():
                row = groups.first
                await row.locator("select.topic").select_option(TOPIC)
                await row.locator("button.as-topic").click()
                await expect(page.locator("#labelled-notice")).to_be_visible()
            await page.goto(f"{base}/console/figures")
            await expect(page.locator('#by-lang tr[data-lang="ru"]')).to_be_visible()
            await browser.close()
    finally:
        await server.close()


async def test_inbox_loop(sqlite_hotline: Hotline, sqlite_engine: AsyncEngine, chromium: Path,  # noqa: F811
                          tmp_path: Path) -> None:
    data, situations = tmp_path / "data", tmp_path / "situations"
    shutil.copytree(ROOT / "nlu" / "data", data)
    shutil.copytree(ROOT / "nlu" / "situations", situations)
    nlu = EmbeddedNLU(load_or_train(data, ROOT / ".cache" / "nlu"))
    base = real_understander()
    understander = Understander(nlu, base.risk, threshold=base.threshold, margin=base.margin, max_chars=4000)
    engine = _engine(understander)

    before = [await _say(engine, sqlite_engine, f"p{i}", text) for i, text in enumerate(SLANG)]
    assert TOPIC not in before
    async with sqlite_hotline.sessions() as session:
        rows = (await session.scalars(select(InboxItem))).all()
    assert len(rows) == len(SLANG) and all(PHONE not in r.text for r in rows)

    desk = InboxDesk(sqlite_hotline.sessions, engine.content, InboxSettings(), threshold=0.35)
    await _label_in_browser(sqlite_hotline, desk, chromium)
    async with sqlite_hotline.sessions() as session:
        labels = (await session.scalars(select(InboxItem.label))).all()
    assert labels == [TOPIC] * len(SLANG)

    # Review before exporting: cross-validation must not drop.
    items = [Labelled(r.text, r.lang, "topic", TOPIC) for r in rows]
    reviewed = await asyncio.to_thread(review, items, data, folds=3)
    assert reviewed.added == len(SLANG) and reviewed.dropped(0.005) == [], (reviewed.before, reviewed.after)

    url = str(sqlite_engine.url)
    settings = Settings(database={"url": url}, nlu={"data_dir": data, "situations_dir": situations,
                                                     "cache_dir": tmp_path / "cache"})
    runner = CliRunner()
    exported = await asyncio.to_thread(runner.invoke, nlu_group, ["inbox", "export"], obj=settings)
    assert exported.exit_code == 0, exported.output
    body = yaml.safe_load((data / "ru" / "inbox.yml").read_text("utf-8"))
    assert body["nlu"][0]["intent"] == TOPIC and PHONE not in (data / "ru" / "inbox.yml").read_text("utf-8")
    checked = await asyncio.to_thread(runner.invoke, nlu_group, ["check", "--data-dir", str(data)], obj=settings)
    assert checked.exit_code == 0 and "0 errors" in checked.output, checked.output

    assert await asyncio.to_thread(refresh, nlu, settings.nlu)  # what the service's reload does
    after = [await _say(engine, sqlite_engine, f"q{i}", text) for i, text in enumerate(SLANG)]
    assert after == [TOPIC] * len(SLANG)
