"""`hamroh serve`'s operations endpoints (bot.ops): /healthz, /readyz and /metrics of the real
service, after a scripted conversation through the fake Bot API; and /readyz reporting 503 (not
crashing) when PostgreSQL goes away behind it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from prometheus_client.parser import text_string_to_metric_families

from bot.logs import configure_logging, reset_logging
from bot.ops.instrument import person_ref
from tests.bot.telegram.conftest import eventually
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.test_e2e_webhook import free_port
from tests.bot.telegram.test_serve import serving, settings_for
from tests.conftest import need_server

PERSON = 8282


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        return r.status, await r.text()


async def test_health_ready_and_metrics_after_a_conversation(db_url: str, fake_api: FakeBotAPI,
                                                             tmp_path: Path) -> None:
    settings = settings_for(db_url, fake_api, tmp_path)
    settings.ops.port = free_port()
    base = f"http://127.0.0.1:{settings.ops.port}"
    logs = io.StringIO()
    settings.log_json = True
    configure_logging(settings, stream=logs)
    try:
        async with serving(settings):
            await fake_api.wait_for("setMyCommands", count=4)
            assert (await get(f"{base}/healthz"))[0] == 200
            status, body = await get(f"{base}/readyz")
            assert status == 200, body
            report = json.loads(body)
            assert report["status"] == "ready"
            assert report["checks"]["database"] == "ok" and report["checks"]["redis"] == "not configured"
            assert report["checks"]["nlu"] == "ok (embedded)" and report["checks"]["content"].startswith("ok (")
            before = (await get(f"{base}/metrics"))[1]

            fake_api.send_text(PERSON, "/start")
            await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
            fake_api.press(PERSON, "lang:ru")
            fake_api.send_text(PERSON, "как получить патент")
            await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "атент" in c.text)
            fake_api.send_text(PERSON, "хозяин забрал паспорт")
            fake_api.send_text(PERSON, "/human")
            await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text)

            async def moved() -> str | None:
                text = (await get(f"{base}/metrics"))[1]
                done = sample(text, "hamroh_updates_total", kind="message", result="ok")
                return text if done - sample(before, "hamroh_updates_total", kind="message",
                                             result="ok") >= 4 else None
            after = await eventually(moved)
            assert after, "the update counter did not move"
    finally:
        reset_logging()

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("hamroh_updates_total", kind="callback_query", result="ok") >= 1
    assert delta("hamroh_update_seconds_count", kind="message") >= 4
    assert delta("hamroh_answers_total", topic="docs_patent", lang="ru") == 1
    assert delta("hamroh_nlu_seconds_count", backend="test") >= 2
    assert delta("hamroh_risk_seconds_count") >= 2
    assert delta("hamroh_risk_assessments_total", level="high") >= 1
    assert delta("hamroh_telegram_requests_total", method="sendMessage", result="ok") >= 4
    queued = [s for f in text_string_to_metric_families(after) for s in f.samples
              if s.name == "hamroh_queue_length" and s.value >= 1]
    assert queued, "the /human case is not in the queue gauge"
    assert sample(after, "hamroh_queue_oldest_wait_seconds", team=queued[0].labels["team"]) >= 0
    assert "hamroh_webhook_backlog" in after and sample(after, "hamroh_content_answers") > 0
    # Log lines written while the person's update was handled carry their keyed hash, never the id.
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.startswith("{")]
    tagged = [line for line in lines if line.get("person")]
    assert tagged, "no log line carries the person hash"
    assert {line["person"] for line in tagged} == {person_ref("telegram", PERSON)}
    assert all(str(PERSON) not in json.dumps(line["person"]) for line in tagged)


class Proxy:
    """A TCP forwarder to PostgreSQL that the test can cut (its port then refuses)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.writers:
            w.close()
        await self.server.wait_closed()


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    need_server("PostgreSQL", "127.0.0.1", 5432)
    name = f"hamroh_ops_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_readyz_reports_a_lost_database_and_keeps_serving(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    async with fresh_database() as name:
        proxy = Proxy(("127.0.0.1", 5432))
        await proxy.start()
        settings = settings_for(f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{name}", fake_api, tmp_path)
        settings.ops.port = free_port()
        settings.ops.check_timeout_s = 2.0
        base = f"http://127.0.0.1:{settings.ops.port}"
        async with serving(settings):
            await fake_api.wait_for("setMyCommands", count=4)
            status, body = await get(f"{base}/readyz")
            assert status == 200, body
            await proxy.cut()  # PostgreSQL is now behind a closed port
            status, body = await get(f"{base}/readyz")
            report: dict[str, Any] = json.loads(body)
            assert status == 503 and report["status"] == "not ready"
            assert report["checks"]["database"].endswith(": connection refused"), report
            assert str(proxy.port) in report["checks"]["database"]
            assert report["checks"]["content"].startswith("ok")
            assert (await get(f"{base}/healthz"))[0] == 200  # alive: report, not crash
            assert (await get(f"{base}/metrics"))[0] == 200  # in-memory counters still scraped
