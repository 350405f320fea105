"""The composition root: what it builds, in which thread, and what handlers are handed."""

from __future__ import annotations

import inspect
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from aiogram import Router

from bot import composition
from bot.engine.understand import Understander
from bot.settings import Settings
from bot.telegram import handoff, news, operator_group, questions, reminders, start_language
from bot.telegram.dialogue import Dialogue
from bot.telegram.factory import make_bot
from bot.telegram.forum import CaseAction, CaseOutcome, OperatorsChat, case_buttons, outcome_buttons
from hotline_router.operations import Operations
from tests.bot.telegram.mocked_session import MockedSession
from tests.bot.telegram.scripted import make_settings, scripted_understander

ROOT = Path(__file__).parents[2]
JOURNEYS = (handoff, questions, start_language, operator_group, news, reminders)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'hamroh.db'}")
    s.telegram.operators_chat_id = -100777
    s.hotline.supervisor_chat_id = -100555
    return s


async def test_models_are_trained_off_the_event_loop(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []

    def train(_settings: Settings) -> Understander:
        threads.append(threading.current_thread())
        return scripted_understander()

    monkeypatch.setattr(composition, "build_understander", train)
    services = await composition.build_services(settings)
    try:
        assert threads and threads[0] is not threading.main_thread()
    finally:
        await services.close()


async def test_handlers_get_narrow_dependencies_and_the_hotline_is_connected(settings: Settings) -> None:
    services = await composition.build_services(settings, understander=scripted_understander())
    try:
        tg = composition.build_telegram(services, bot=make_bot(settings.telegram, session=MockedSession()))
        data = tg.dp.workflow_data
        assert set(data) == {"dialogue", "handoff", "retention_days", "operations", "forum", "reminders",
                             "campaign_press_days"}
        assert isinstance(data["dialogue"], Dialogue) and data["dialogue"].engine is services.engine
        assert isinstance(data["operations"], Operations) and data["forum"] is tg.forum is not None
        assert data["retention_days"] == settings.retention_days
        hotline = services.hotline
        assert hotline is not None and hotline.senders.get("telegram") is tg.sender
        assert any(type(n).__name__ == "ChatNotifier" for n in hotline.notifiers)
    finally:
        await services.close()


def test_no_handler_asks_for_the_services_catch_all() -> None:
    for module in JOURNEYS:
        for name, fn in inspect.getmembers(module, inspect.iscoroutinefunction):
            if name.startswith("on_"):
                assert "services" not in inspect.signature(fn).parameters, f"{module.__name__}.{name}"


def test_operator_buttons_are_callback_data_in_the_old_format() -> None:
    # Buttons already posted in forum topics keep working after an upgrade.
    assert [b.payload for b in case_buttons(12)[0]] == ["op:claim:12", "op:close:12"]
    assert outcome_buttons(12, ["a", "b"])[1][0].payload == "op:out:12:1"
    assert CaseAction.unpack("op:close:7") == CaseAction(action="close", case=7)
    assert CaseOutcome.unpack("op:out:7:2") == CaseOutcome(case=7, index=2)
    for stale in ("op:out:7:2", "op:claim:x", "op:zap:7"):
        with pytest.raises((TypeError, ValueError)):
            CaseAction.unpack(stale)


def test_the_operator_router_registers_each_button_once() -> None:
    router: Router = operator_group.router(OperatorsChat(-1))
    callbacks = [h.callback.__name__ for h in router.callback_query.handlers]
    assert callbacks == ["on_claim", "on_close", "on_outcome", "on_old_button"]


def test_help_lists_every_command_without_loading_the_system() -> None:
    code = ("import sys; from click.testing import CliRunner; from bot.cli.main import cli; "
            "r = CliRunner().invoke(cli, ['--help']); print(r.output); "
            "print('LOADED' if {'bot.composition', 'aiogram', 'sklearn'} & set(sys.modules) else 'LIGHT')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True).stdout
    for name in ("chat", "ask", "content", "console", "serve", "nlu", "operators", "telegram", "updates"):
        assert f"  {name} " in out
    assert out.strip().endswith("LIGHT")
