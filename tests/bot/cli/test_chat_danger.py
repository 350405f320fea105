"""`hamroh chat` driven by scripted input: the check question and remembered danger end to end
through the terminal loop (real NLU and detector, the hotline queue on SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.cli.chat import run_chat
from bot.composition import build_services
from hotline_router.models import Case
from tests.bot.cli.scripted_console import ScriptedConsole, Step, press
from tests.bot.engine.real_nlu import ELEVATED, HARMLESS, LOCKED_IN_AND_BEATEN, rated, real_understander
from tests.bot.telegram.scripted import make_settings


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    s = await build_services(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"),
                             understander=real_understander())
    yield s
    await s.close()


async def chat(services: Services, script: list[Step]) -> tuple[str, list[Case]]:
    console = ScriptedConsole(script)
    await run_chat(services, lang="ru", user_id="local-test", console=console)
    assert not console.script, "every step was read"
    async with services.sessions() as session:
        found = list((await session.scalars(select(Case).order_by(Case.id))).all())
    return console.output, found


async def test_check_question_yes_in_the_terminal(services: Services) -> None:
    doubt = await rated(services.understander, ELEVATED, "elevated")
    output, found = await chat(services, [doubt, press("Да")])
    assert "угрожает опасность?" in output
    assert "112" in output.split("угрожает опасность?")[1], "safety numbers after Yes"
    [case] = found
    assert case.level == "high" and case.transport == "chat" and case.evidence


async def test_remembered_danger_in_the_terminal(services: Services) -> None:
    report = await rated(services.understander, LOCKED_IN_AND_BEATEN, "high")
    window = services.settings.history_window
    output, found = await chat(services, [report, "/human", "/cancel", *[HARMLESS] * window, "/human"])
    assert "вышли из очереди" in output
    first, second = found
    assert first.status == "closed" and second.status == "queued"
    assert second.level == "high" and "restriction_of_movement" in second.indicators
    assert any(e.get("rule_id") == "ru:locked_in" for e in second.evidence)


async def test_russian_in_latin_letters_in_the_terminal(services: Services) -> None:
    console = ScriptedConsole(["skolko stoit registraciya v kazani, gde sdelat", "/menu"])
    await run_chat(services, console=console, lang=None)
    out = console.output
    assert "регистрац" in out.lower(), out[-1500:]
