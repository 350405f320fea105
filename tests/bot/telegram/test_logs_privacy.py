"""Logs never carry what people wrote: a message full of personal data goes through every
failure path we can trigger (a handler that raises, a database error, a Telegram send
error, a bad webhook body, a store failure) with logging at DEBUG and SQL echo on, and none
of it reaches the log."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import Services
from bot.composition import build_telegram
from bot.engine.types import Incoming
from bot.logs import configure_logging, redact, reset_logging, scrub, summarise
from bot.settings import Settings
from bot.telegram.update_store import UpdateStore
from bot.telegram.webhook import StoringRequestHandler
from tests.bot.telegram.conftest import eventually, polling, real_bot
from tests.bot.telegram.fake_bot_api import FakeBotAPI

PERSON = 4242
CANARY = "Химкистрой"  # a plain word: only in locals and payloads, never in an exception message
WORDS = ("Здравствуйте, меня зовут Рустам, телефон +7 999 123-45-67, паспорт 4509 123456, "
         "карта 4276 1234 5678 9012, почта rustam@example.org")
SECRETS = ("Рустам", "999 123-45-67", "4509 123456", "4276 1234 5678 9012", "rustam@example.org",
           "+79991234567")


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def logs(services: Services) -> Iterator[io.StringIO]:
    buf = io.StringIO()
    settings = services.settings.model_copy(deep=True)
    settings.log_level, settings.database.echo = "DEBUG", True
    configure_logging(settings, stream=buf)
    yield buf
    reset_logging()


def assert_clean(text: str) -> None:
    leaked = [s for s in (*SECRETS, CANARY) if s in text]
    assert not leaked, f"{leaked} in the log:\n{text[-4000:]}"


def test_redaction_of_fields_and_patterns() -> None:
    event = redact(None, "info", {"event": f"got {WORDS}", "text": WORDS, "payload": {"message": {"text": WORDS}},
                                  "error": f"ValueError('{WORDS}')", "update": 17, "nested": {"caption": "x"}})
    assert event["text"] == summarise(WORDS) and event["text"].startswith("<redacted len=")
    assert event["payload"].startswith("<redacted") and event["update"] == 17
    assert event["nested"]["caption"].startswith("<redacted")
    assert_clean(str(event))
    assert scrub("case #12 waited 30 min at 2026-03-18 07:00:00") == "case #12 waited 30 min at 2026-03-18 07:00:00"


@pytest.mark.parametrize("json_logs", [False, True])
def test_tracebacks_have_no_locals(json_logs: bool) -> None:
    buf = FakeTTY()
    configure_logging(Settings(log_level="DEBUG", log_json=json_logs), stream=buf)
    try:
        payload = {"message": {"text": WORDS + CANARY}}  # noqa: F841 - a local the traceback must not show
        try:
            raise RuntimeError("handler failed")
        except RuntimeError:
            structlog.get_logger("t").exception("boom", update=1)
            logging.getLogger("aiogram.event").exception("Cause exception while process update")
    finally:
        reset_logging()
    out = buf.getvalue()
    assert "handler failed" in out and "Cause exception" in out
    assert_clean(out)


async def test_no_personal_data_in_logs_on_any_failure(services: Services, fake_api: FakeBotAPI,
                                                       logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    async with polling(services):
        fake_api.send_text(PERSON, "/start")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
        fake_api.press(PERSON, "lang:ru")

        # 1. Telegram refuses the reply.
        fake_api.fail("sendMessage", 400, "Bad Request: can't parse entities", chat_id=PERSON, times=3)
        fake_api.send_text(PERSON, WORDS)
        assert await eventually(lambda: not fake_api.errors or all(e.times <= 0 for e in fake_api.errors))
        await asyncio.sleep(0.3)

        # 2. A handler raises: once with the words in its message, once with them only in locals.
        async def raising(session: Any, incoming: Incoming) -> Any:
            words = incoming.text
            if CANARY in words:
                raise RuntimeError("engine failed")
            raise RuntimeError(f"cannot handle {words!r}")

        monkeypatch.setattr(services.engine, "handle", raising)
        failures = logs.getvalue().count("telegram.handler_failed")
        fake_api.send_text(PERSON, WORDS)
        fake_api.send_text(PERSON, f"{CANARY} {WORDS}")
        assert await eventually(lambda: logs.getvalue().count("telegram.handler_failed") >= failures + 2)
        monkeypatch.undo()

        # 3. The database fails under the handler.
        async with services.db.begin() as conn:
            await conn.exec_driver_sql("DROP TABLE events")
        failures = logs.getvalue().count("telegram.handler_failed")
        fake_api.send_text(PERSON, WORDS)
        assert await eventually(lambda: logs.getvalue().count("telegram.handler_failed") > failures)

    # 4. Webhook: a body that is not an update, then a store that fails.
    tg = build_telegram(services, bot=real_bot(services.settings))
    handler = StoringRequestHandler(tg.dp, tg.bot, store=UpdateStore(services.sessions), secret_token="s")
    app = web.Application()
    handler.register(app, path="/wh")
    async with TestClient(TestServer(app)) as client:
        body = ('{"update_id": 1, "message": {"text": "' + WORDS + CANARY + '"').encode()
        resp = await client.post("/wh", data=body, headers={"X-Telegram-Bot-Api-Secret-Token": "s"})
        assert resp.status == 400
        async with services.db.begin() as conn:
            await conn.exec_driver_sql("DROP TABLE telegram_updates")
        update = {"update_id": 99, "message": fake_api.message(PERSON, WORDS + CANARY)}
        resp = await client.post("/wh", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s"})
        assert resp.status == 500
    await handler.close()
    await tg.bot.session.close()

    out = logs.getvalue()
    for expected in ("telegram.handler_failed", "webhook.bad_request", "webhook.store_failed",
                     "no such table", "INSERT INTO", "Traceback"):
        assert expected in out, expected
    assert_clean(out)
