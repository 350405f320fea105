"""How updates come in: polling stores them like webhooks (before they are confirmed to
Telegram, deduplicated, replayed after a restart); a webhook body that is not a Telegram
update gets 400 and nothing is stored; retention of the table; `hamroh updates dead`."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import aiohttp
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Services
from bot.composition import build_telegram
from bot.storage.db import make_sessionmaker
from bot.telegram.models import StoredUpdate
from bot.telegram.polling import polling_mode
from bot.telegram.update_store import PURGED, UpdateStore
from tests.bot.telegram.conftest import eventually, real_bot
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.test_e2e_webhook import SECRET, webhook

PERSON = 3131


async def _row(services: Services, update_id: int) -> StoredUpdate | None:
    async with services.sessions() as session:
        return await session.get(StoredUpdate, update_id)


async def test_polling_stores_each_update_before_handling_it(services: Services, fake_api: FakeBotAPI) -> None:
    # What a process killed in the middle left behind: replayed at the next start.
    left = {"update_id": 900, "message": fake_api.message(PERSON + 1, "/start")}
    async with services.sessions.begin() as session:
        session.add(StoredUpdate(update_id=900, payload=left, status="pending", attempts=1,
                                 claimed_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)))
    seen: dict[int, tuple[str, int] | None] = {}
    tg = build_telegram(services, bot=real_bot(services.settings))

    async def spy(handler: Any, update: Any, data: dict[str, Any]) -> Any:
        row = await _row(services, update.update_id)  # what the table says while it is handled
        seen[update.update_id] = (row.status, row.attempts) if row is not None else None
        return await handler(update, data)
    tg.dp.update.outer_middleware(spy)
    try:
        async with polling_mode(tg, services, lease_s=2.0, replay_every_s=0.2):
            await fake_api.wait_for("sendMessage", chat_id=PERSON + 1, count=2)  # the replay
            update = fake_api.send_text(PERSON, "/start")
            await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)

            async def done() -> bool:
                row = await _row(services, update["update_id"])
                return row is not None and row.status == "done" and row.payload == {}
            assert await eventually(done)
        # A process stopped before it confirmed the update: the next one gets it again.
        fake_api.updates.append(update)
        async with polling_mode(tg, services, lease_s=2.0, replay_every_s=0.2):
            assert await eventually(lambda: not fake_api.updates, within=5.0)
            await asyncio.sleep(0.3)
    finally:
        await tg.bot.session.close()
    assert seen[update["update_id"]] == ("pending", 1)  # stored, then handled
    assert seen[900] == ("pending", 2)
    assert len(fake_api.delivered_to(PERSON)) == 2 and len(fake_api.delivered_to(PERSON + 1)) == 2


async def _post_raw(url: str, body: str | bytes) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.post(
            url, data=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                     "Content-Type": "application/json"}) as resp:
        return resp.status, await resp.text()


async def test_bodies_that_are_not_updates_get_400_and_are_not_stored(
        services: Services, fake_api: FakeBotAPI) -> None:
    msg = '{"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "hi"}'
    bad: dict[str, str | bytes] = {
        "100k-deep JSON": '{"update_id": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "200-deep JSON": '{"update_id": 2, "x": ' + '{"a": ' * 200 + "1" + "}" * 200 + "}",
        "update_id beyond int64": '{"update_id": 9223372036854775808, "message": ' + msg + "}",
        "update_id of 5000 digits": '{"update_id": ' + "9" * 5000 + "}",
        "negative update_id": '{"update_id": -1}',
        "update_id as text": '{"update_id": "3"}',
        "not an object": "[1, 2]",
        "not JSON": "update_id=4",
        "not UTF-8": b'{"update_id": 5, "x": "\xff"}',
    }
    async with webhook(services) as (tg, handler):
        assert tg.bot is not None
        url = fake_api.webhook["url"] if fake_api.webhook else ""
        for name, body in bad.items():
            status, text = await _post_raw(url, body)
            assert status == 400, (name, status, text)
            assert text.startswith("Bad Request: ")
        # Well formed, but aiogram cannot read it: acknowledged (Telegram would only resend
        # it), then dead-lettered at once, with no retry.
        assert await fake_api.post_webhook({"update_id": 6, "message": {"bogus": True}}, secret=SECRET) == 200
        fake_api.send_text(PERSON, "/start")  # the service is fine
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)

        async def dead() -> StoredUpdate | None:
            row = await _row(services, 6)
            return row if row is not None and row.status == "dead" else None
        row = await eventually(dead)
    assert handler.refused == len(bad)
    assert row is not None and row.attempts == 1 and row.error and row.error.startswith("ValidationError")
    async with services.sessions() as session:
        ids = set((await session.scalars(select(StoredUpdate.update_id))).all())
    assert not ids & {1, 2, 3, 4, 5}


async def test_retention_of_stored_updates(any_engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(any_engine)
    now = dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    rows = {  # update_id: (status, received, finished)
        1: ("done", now - 2 * day, now - 2 * day),      # id kept a day: deleted
        2: ("done", now, now),                          # kept
        3: ("dead", now - 10 * day, now - 10 * day),    # the person's message goes after a week
        4: ("dead", now - day, now - day),              # still inspectable
        5: ("dead", now - 100 * day, now - 100 * day),  # past the retention period: deleted
        6: ("pending", now - 100 * day, None),          # never handled: not kept past retention
        7: ("pending", now, None),                      # in flight: untouched
    }
    async with sessions.begin() as session:
        for uid, (status, received, finished) in rows.items():
            session.add(StoredUpdate(update_id=uid, payload={} if status == "done" else {"update_id": uid},
                                     status=status, received_at=received, finished_at=finished,
                                     error="boom" if status == "dead" else None))
    purged = await UpdateStore(sessions).purge(retention_days=90)
    assert (purged.deleted, purged.cleared, purged.expired) == (2, 1, 1)
    async with sessions() as session:
        left = {r.update_id: r for r in (await session.scalars(select(StoredUpdate))).all()}
    assert sorted(left) == [2, 3, 4, 7]
    assert left[3].payload == {} and left[3].error == "boom" + PURGED
    assert left[4].payload == {"update_id": 4} and left[7].payload == {"update_id": 7}
    again = await UpdateStore(sessions).purge(retention_days=90)
    assert (again.deleted, again.cleared, again.expired) == (0, 0, 0)
    # A dead update whose message was purged cannot be retried; one that has it can.
    assert await UpdateStore(sessions).requeue() == 1
    async with sessions() as session:
        row = await session.get(StoredUpdate, 4)
    assert row is not None and (row.status, row.attempts) == ("pending", 0)


async def test_lifecycle_lease_retry_backoff_dead(any_engine: AsyncEngine) -> None:
    clock = [dt.datetime(2026, 3, 18, 7, 0, tzinfo=dt.UTC)]
    store = UpdateStore(make_sessionmaker(any_engine), lease_s=60, max_attempts=3, backoff_base_s=10,
                        clock=lambda: clock[0])
    assert await store.save(1, {"update_id": 1}) and not await store.save(1, {"update_id": 1})
    assert await store.claim_stale() == []  # leased
    clock[0] += dt.timedelta(seconds=50)
    assert await store.renew({1}) == 1  # the heartbeat
    clock[0] += dt.timedelta(seconds=50)
    assert await store.claim_stale() == []  # 100 s in, but renewed 50 s ago
    assert await store.failed(1, 1, "RuntimeError: down") == "retry"
    clock[0] += dt.timedelta(seconds=9)
    assert await store.claim_stale() == []  # backoff: 10 s
    clock[0] += dt.timedelta(seconds=2)
    assert [c.attempt for c in await store.claim_stale(skip={1})] == []  # this process's own
    assert [c.attempt for c in await store.claim_stale()] == [2]
    assert await store.failed(1, 2, "RuntimeError: down") == "retry"
    clock[0] += dt.timedelta(seconds=21)
    assert [c.attempt for c in await store.claim_stale()] == [3]
    clock[0] += dt.timedelta(seconds=61)  # the third handler died: its lease ran out
    assert await store.claim_stale() == []
    assert await store.count_dead() == 1
    assert [(d.update_id, d.attempts) for d in await store.dead()] == [(1, 3)]


def test_hamroh_updates_dead_lists_the_dead_letters(tmp_path: Path, monkeypatch: Any) -> None:
    from bot.cli.main import cli
    from bot.storage.db import make_engine, migrate

    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    async def setup() -> None:
        db = make_engine(url)
        await migrate(db)
        async with make_sessionmaker(db).begin() as session:
            session.add(StoredUpdate(update_id=77, payload={"update_id": 77}, status="dead", attempts=5,
                                     error="RuntimeError: database is down"))
            session.add(StoredUpdate(update_id=78, payload={}, status="done", attempts=1))
        await db.dispose()
    asyncio.run(setup())
    monkeypatch.setenv("HAMROH_DATABASE__URL", url)
    result = CliRunner().invoke(cli, ["updates", "dead"])
    assert result.exit_code == 0, result.output
    assert "dead updates: 1" in result.output
    assert "77\tattempts=5" in result.output and "database is down" in result.output
    result = CliRunner().invoke(cli, ["updates", "retry", "77"])
    assert result.exit_code == 0 and "requeued 1" in result.output


async def test_a_batch_is_stored_once_and_a_redelivery_writes_nothing(any_engine: AsyncEngine) -> None:
    """One getUpdates answer in one INSERT, on SQLite and PostgreSQL: the new ids come back,
    an id repeated in the batch counts once, and the same batch again is all old."""
    store = UpdateStore(make_sessionmaker(any_engine))
    batch = [(i, {"update_id": i, "message": {"text": f"m{i}"}}) for i in (11, 12, 13)]
    assert await store.save_many([*batch, batch[0]]) == {11, 12, 13}
    assert await store.save_many(batch) == set()
    assert await store.save_many([batch[1], (14, {"update_id": 14})]) == {14}
    async with make_sessionmaker(any_engine)() as session:
        rows = (await session.scalars(select(StoredUpdate).order_by(StoredUpdate.update_id))).all()
    assert [(r.update_id, r.payload.get("message"), r.status) for r in rows] == [
        (11, {"text": "m11"}, "pending"), (12, {"text": "m12"}, "pending"), (13, {"text": "m13"}, "pending"),
        (14, None, "pending")]
