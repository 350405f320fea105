"""End to end in a real headless Chromium (Debian's package, driven by Playwright through
`executable_path`; no browser download), as a Russian-speaking operator at 1366×768: log in,
claim a danger case of 30 messages, see the newest message and the reply box without
scrolling, insert a ready reply with "/", send it, close the case.

Screenshots (reports/console/, ignored by git):
  case-ru-1366x768.png     the case as it opens
  ready-reply-ru.png       the "/" suggestions over the reply box
  case-closed-ru.png       after the reply and the close
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update

from hotline_router.console.app import make_app
from hotline_router.models import Case, Message, Operator
from hotline_router.service import Hotline, HotlineHandoff

from .conftest import PASSWORD, operator, person

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "reports" / "console"
VIEWPORT = {"width": 1366, "height": 768}
DANGER = "Бригадир на стройке в Подольске забрал паспорт и не отдаёт, говорит, что я должен за жильё"
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


def _transcript() -> list[dict[str, str]]:
    """20 entries of the bot conversation before the handoff: questions and long answers."""
    asked = [("Как оплатить патент?", "docs_patent_payment"),
             ("Где сделать регистрацию?", "docs_registration"),
             ("Можно ли работать в Корее?", "docs_korea"),
             ("Что такое реестр контролируемых?", "docs_controlled_persons"),
             ("Не платят зарплату два месяца", "rights_unpaid_wages"),
             ("Сколько часов можно работать?", "rights_working_hours"),
             ("Как проверить работодателя?", "jobs_verify_offer"),
             ("Можно ли сменить работу?", "rights_dismissal"), ("Что делать, если штраф?", "docs_fines")]
    out = []
    for i, (question, topic) in enumerate(asked):
        at = f"2026-03-18T06:{10 + i * 5:02d}:00+00:00"
        out.append({"at": at, "direction": "in", "kind": "text", "text": question, "topic": topic})
        out.append({"at": at, "direction": "out", "kind": "reply", "topic": topic,
                    "text": "<b>Ответ</b>\n" + "Подробное объяснение шаг за шагом. " * 25})
    out.append({"at": "2026-03-18T06:58:00+00:00", "direction": "in", "kind": "text", "text": DANGER,
                "topic": "rights_passport_taken"})
    out.append({"at": "2026-03-18T06:58:01+00:00", "direction": "out", "kind": "reply",
                "topic": "rights_passport_taken", "text": "Работодатель не вправе забирать паспорт."})
    return out


async def _danger_case(hotline: Hotline) -> int:
    user = await person(hotline, "browser-person", country="OTHER")
    handoff = HotlineHandoff(hotline)
    async with hotline.sessions.begin() as session:
        ticket = await handoff.request(
            session, user=user, lang="ru", level="high", indicators=["retention_of_documents", "debt_bondage"],
            evidence=[{"indicator": "retention_of_documents", "source": "rule", "rule_id": "ru:passport_taken",
                       "matched": "zabral pasport", "level": "high", "counted": True},
                      {"indicator": "debt_bondage", "source": "model", "rule_id": "model:debt_bondage",
                       "matched": "должен за жильё", "level": "high", "counted": True, "probability": 0.87}],
            transcript=_transcript())
        for i in range(9):  # and what the person writes while waiting
            await handoff.relay_from_person(session, case_id=ticket.case_id, user=user, kind="text",
                                            text=f"Сообщение {i + 1}: я жду, пожалуйста, ответьте", meta={})
        await handoff.relay_from_person(session, case_id=ticket.case_id, user=user, kind="text",
                                        text="Последнее сообщение: я сейчас в общежитии", meta={})
    return ticket.case_id


async def test_russian_operator_handles_a_long_danger_case(sqlite_hotline: Hotline, chromium: Path) -> None:
    from playwright.async_api import async_playwright, expect

    op = await operator(sqlite_hotline, "aziza", role="operator")
    async with sqlite_hotline.sessions.begin() as session:
        await session.execute(update(Operator).where(Operator.id == op.id).values(display_name="Азиза"))
    case_id = await _danger_case(sqlite_hotline)
    async with sqlite_hotline.sessions() as session:
        items = len((await session.get(Case, case_id)).transcript)  # type: ignore[union-attr]
        items += len((await session.scalars(select(Message.id).where(Message.case_id == case_id))).all())
    assert items >= 30
    SHOTS.mkdir(parents=True, exist_ok=True)
    server = TestServer(make_app(sqlite_hotline, ConsoleCfg()), host="127.0.0.1")
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(chromium), headless=True, args=FLAGS)
            page = await browser.new_page(viewport=VIEWPORT)
            await page.goto(f"{base}/console/login")
            await expect(page.locator("h1")).to_have_text("Вход для операторов")
            await page.fill("#username", "aziza")
            await page.fill("#password", PASSWORD)
            await page.click("#login")
            row = page.locator(f'tr[data-case="{case_id}"]')
            await expect(row).to_contain_text("Документы удерживаются работодателем")
            await row.locator("button.claim").click()

            # The case opens at the newest message, with the reply box in view: no scrolling.
            await expect(page.locator("#status")).to_have_text("в работе")
            newest = page.locator("#conversation li.msg").last  # the notice sent on claiming
            await expect(newest).to_contain_text("Оператор подключился к разговору")
            await expect(newest).to_be_in_viewport()
            said_last = page.locator("#conversation li.msg.person").last
            await expect(said_last).to_contain_text("Последнее сообщение: я сейчас в общежитии")
            await expect(said_last).to_be_in_viewport()
            await expect(page.locator("#reply-text")).to_be_in_viewport()
            await expect(page.locator("#send")).to_be_in_viewport()
            assert await page.evaluate("window.scrollY") == 0
            assert await page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
            await expect(page.locator("label[for=reply-text]")).to_have_text("Пишите по-русски")
            # Bot answers are folded to their topic; the danger message is marked and linked.
            await expect(page.locator("li.bot details[open]")).to_have_count(0)
            danger = page.locator("li.msg.danger")
            await expect(danger.locator("mark").first).to_have_text("забрал паспорт")
            await expect(page.locator(".evidence")).to_contain_text("«забрал паспорт»")
            await expect(page.locator("#where")).to_contain_text("другая страна")
            await page.screenshot(path=str(SHOTS / "case-ru-1366x768.png"))

            await page.locator(".evidence a.ev-link").first.click()
            await expect(danger).to_be_in_viewport()

            # A ready reply: "/" and its shortcut, Enter inserts it with the operator's name.
            await page.click("#reply-text")
            await page.keyboard.type("/hel")
            await expect(page.locator("#canned-suggest")).to_be_visible()
            await page.screenshot(path=str(SHOTS / "ready-reply-ru.png"))
            await page.keyboard.press("Enter")
            await expect(page.locator("#reply-text")).to_have_value(
                "Здравствуйте! Меня зовут Азиза, я оператор горячей линии Hamroh. Я прочитал(а) ваши "
                "сообщения и помогу вам. Всё, что вы пишете, остаётся между нами.")
            await page.keyboard.type(" Где вы сейчас?")
            await page.click("#send")
            sent = page.locator("#conversation li.msg.operator").last
            await expect(sent).to_contain_text("Меня зовут Азиза")
            await expect(sent).to_be_in_viewport()

            await page.select_option("#outcome", "advice_given")
            await page.click("#close")
            await expect(page.locator("#status")).to_have_text("закрыто")
            await page.screenshot(path=str(SHOTS / "case-closed-ru.png"))
            await browser.close()
    finally:
        await server.close()

    async with sqlite_hotline.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and (case.status, case.outcome) == ("closed", "advice_given")
        replies = (await session.scalars(select(Message.text).where(Message.direction == "out"))).all()
    assert len(replies) == 1 and "Меня зовут Азиза" in replies[0] and replies[0].endswith("Где вы сейчас?")
    for name in ("case-ru-1366x768.png", "ready-reply-ru.png", "case-closed-ru.png"):
        assert (SHOTS / name).stat().st_size > 10_000
