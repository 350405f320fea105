"""End to end in a real headless Chromium (Debian's package): log in, see a new case appear
without reloading, claim it, reply, close it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hotline_router.console.app import make_app
from hotline_router.models import Case, Message
from hotline_router.service import Hotline

from .conftest import PASSWORD, operator, person, raise_case

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.browser


class ConsoleCfg:
    cookie_secure = False
    session_ttl_s = 3600


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true needs Debian's chromium: run .ci/install-browser.sh")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium chromium-driver)")
    return CHROMIUM


async def test_login_see_claim_reply_close(sqlite_hotline: Hotline, chromium: Path, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    await operator(sqlite_hotline, "alice", role="operator")
    server = TestServer(make_app(sqlite_hotline, ConsoleCfg()), host="127.0.0.1")
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(chromium), headless=True, args=FLAGS)
            page = await browser.new_page()
            await page.goto(f"{base}/console/login")
            await page.fill("#username", "alice")
            await page.fill("#password", PASSWORD)
            await page.click("#login")
            await expect(page.locator("#live")).to_contain_text("Nobody is waiting")

            # A person asks for a human while the operator looks at the queue.
            user = await person(sqlite_hotline, "browser-person")
            case_id = (await raise_case(sqlite_hotline, user, level="high",
                                        indicators=["retention_of_documents"])).case_id
            row = page.locator(f'tr[data-case="{case_id}"]')
            await expect(row).to_be_visible(timeout=15_000)  # polled in, no reload
            await expect(row).to_contain_text("retention_of_documents")

            await row.locator("button.claim").click()
            await expect(page.locator("#status")).to_have_text("assigned")
            await page.fill("#reply-text", "Hello, I am an operator. Where are you now?")
            await page.click("#send")
            await expect(page.locator("#conversation")).to_contain_text("Where are you now?")
            await page.select_option("#outcome", "advice_given")
            await page.click("#close")
            await expect(page.locator("#status")).to_have_text("closed")
            await page.screenshot(path=str(tmp_path / "case.png"))
            await browser.close()
    finally:
        await server.close()

    async with sqlite_hotline.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and (case.status, case.outcome) == ("closed", "advice_given")
        replies = (await session.scalars(select(Message.text).where(Message.direction == "out"))).all()
    assert replies == ["Оператор: Hello, I am an operator. Where are you now?"]
