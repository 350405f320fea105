"""No table escapes /forget or retention.

The tables come from the models' metadata (the bot's, the Telegram transport's and the
hotline's) and must match the migrated database, so a new table is seen here first. A person
goes through every flow that stores something (conversation, hotline case with the
transcript, their messages and files, operator replies in the outbox, notes, the forum topic,
audit, alerts, stored Telegram updates and a dead letter, a handoff request) and must appear
in every table except those in ALLOW (each with the reason it holds no one's personal data).
Then /forget (the real command and button) or retention past its age runs, and no row in any
table may still hold the person's id, Telegram id or words.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

import bot.telegram.models as telegram_models
from bot.app import Services
from bot.campaigns.models import CampaignDelivery, CampaignRun
from bot.reminders.service import Reminders
from bot.storage import repo
from bot.storage.models import Base as BotBase
from bot.storage.models import User
from bot.telegram.serve import purge_expired
from hotline_router import operators
from hotline_router.models import Alert, Case, Operator
from hotline_router.models import Base as HotlineBase
from hotline_router.operations import Operations
from tests.bot.telegram.conftest import eventually, polling
from tests.bot.telegram.fake_bot_api import FakeBotAPI

OPS = -100777
PERSON = 987654321
WORDS = "Меня зовут Рустам Каримов, телефон +7 999 123-45-67, паспорт 4509 123456, карта 4276 1234 5678 9012"
NEEDLES = (str(PERSON), "Рустам", "Каримов", "999 123-45-67", "4509 123456", "4276 1234 5678 9012",
           "PASSPORT-FILE-1")
ALLOW = {
    "alembic_version": "the schema revision",
    "hotline_operators": "the hotline's staff accounts, not the people who write",
    "hotline_console_sessions": "operators' console logins (token hashes)",
    "telegram_operator_links": "operators' own Telegram ids, linked by an administrator",
    "campaign_runs": "a campaign's state (bot.campaigns): no person",
    "campaign_presses": "campaign button presses counted by language and country only",
}
assert telegram_models.StoredUpdate.__table__.metadata is BotBase.metadata


def all_tables() -> dict[str, sa.Table]:
    return {**BotBase.metadata.tables, **HotlineBase.metadata.tables}


@dataclass
class Person:
    user_id: int
    case_id: int


async def _rows(services: Services) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    async with services.sessions() as session:
        for name, table in all_tables().items():
            out[name] = [dict(r._mapping) for r in (await session.execute(select(table))).all()]
    return out


def _holds(row: dict[str, Any], person: Person, *, with_case: bool) -> list[str]:
    blob = json.dumps(row, default=str, ensure_ascii=False)
    found = [n for n in NEEDLES if n in blob]
    if row.get("user_id") == person.user_id:
        found.append("user_id")
    if with_case and row.get("case_id") == person.case_id:
        found.append("case_id")
    return found


async def _db_tables(services: Services) -> set[str]:
    async with services.db.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def populate(services: Services, fake_api: FakeBotAPI, ops: Operations) -> Person:
    assert services.hotline is not None
    async with services.sessions.begin() as session:
        op = await operators.add(session, username="sup", password="correct horse 1", role="supervisor")
    fake_api.send_text(PERSON, "/start")
    await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2)
    fake_api.press(PERSON, "lang:ru")
    fake_api.send_text(PERSON, WORDS)
    fake_api.send_text(PERSON, "/human")
    await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text)
    await fake_api.wait_for("sendMessage", chat_id=OPS)
    async with services.sessions() as session:
        case = await session.scalar(select(Case).where(Case.external_id == str(PERSON)))
        assert case is not None
        user = await repo.get_user(session, transport="telegram", external_id=str(PERSON))
        assert user is not None
    person = Person(user.id, case.id)
    photo = [{"file_id": "PASSPORT-FILE-1", "file_unique_id": "p", "width": 10, "height": 10}]
    fake_api.push({"message": fake_api.message(PERSON, photo=photo, caption="мой паспорт 4509 123456")})
    fake_api.send_text(PERSON, "Рустам снова пишет")
    await ops.claim(op, case.id, ip="test")
    await ops.reply(op, case.id, "Рустам, где вы сейчас?", ip="test")
    await ops.note(op, case.id, "Рустам Каримов, телефон +7 999 123-45-67", ip="test")
    await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "где вы" in c.text)
    async with services.sessions.begin() as session:
        session.add(Alert(case_id=case.id, kind="sla_breach", message=f"SLA breach: case #{case.id}"))
        await repo.add_handoff_request(session, user=user, level="high", indicators=[],
                                       transcript=[{"direction": "in", "text": WORDS}])
        await Reminders(services.settings.reminders).set(  # a patent reminder, with its messages
            session, user_id=user.id, country=None, kind="patent", date=dt.date.today() + dt.timedelta(days=20))
        session.add(CampaignRun(id="wave"))  # an awareness campaign sent to them (bot.campaigns)
        await session.flush()
        session.add(CampaignDelivery(campaign_id="wave", user_id=user.id, lang="ru", country="RU", status="sent"))
        session.add(telegram_models.StoredUpdate(
            update_id=10**12, status="dead", error="ValueError: boom", attempts=5,
            received_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=100),
            payload={"update_id": 10**12, "message": fake_api.message(PERSON, WORDS)}))

    async def stored() -> bool:
        rows = await _rows(services)
        return bool(rows["telegram_files"]) and len(rows["hotline_notes"]) == 1

    assert await eventually(stored)
    rows = await _rows(services)
    missing = [t for t in all_tables() if t not in ALLOW
               and not any(_holds(r, person, with_case=True) for r in rows[t])]
    assert not missing, f"the flows stored nothing about the person in {missing}: reach them or ALLOW them"
    return person


async def assert_nothing_left(services: Services, person: Person) -> None:
    rows = await _rows(services)
    left = {t: [(r, _holds(r, person, with_case=False)) for r in rs if _holds(r, person, with_case=False)]
            for t, rs in rows.items()}
    left = {t: v for t, v in left.items() if v}
    assert not left, f"still holding the person: {left}"
    assert not [r for r in rows["users"] if r["id"] == person.user_id]


async def test_tables_are_the_models(services: Services) -> None:
    assert await _db_tables(services) == set(all_tables()) | {"alembic_version"}
    assert set(ALLOW) <= set(all_tables()) | {"alembic_version"}


async def test_forget_leaves_nothing_in_any_table(services: Services, fake_api: FakeBotAPI) -> None:
    assert services.hotline is not None
    services.settings.telegram.operators_chat_id = OPS
    async with polling(services):
        person = await populate(services, fake_api, Operations(services.hotline))
        fake_api.send_text(PERSON, "/forget")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "Delete" in c.text
                                or "удал" in c.text.lower())
        fake_api.press(PERSON, "forget:yes")
        await fake_api.wait_for("editMessageText", chat_id=PERSON)

        async def settled() -> bool:  # the /forget update itself is cleared once handled
            rows = await _rows(services)
            return all(not r["payload"] for r in rows["telegram_updates"])

        assert await eventually(settled)
        await services.hotline.events.drain()
    await assert_nothing_left(services, person)


async def test_retention_leaves_nothing_in_any_table(services: Services, fake_api: FakeBotAPI) -> None:
    assert services.hotline is not None
    services.settings.telegram.operators_chat_id = OPS
    ops = Operations(services.hotline)
    async with polling(services) as tg:
        person = await populate(services, fake_api, ops)
        async with services.sessions() as session:
            op = await session.scalar(select(Operator).where(Operator.username == "sup"))
        assert op is not None
        await ops.close(op, person.case_id, outcome="advice_given", tags=[], ip="test")
        await services.hotline.events.drain()
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
        services.hotline.clock = lambda: later
        done = await purge_expired(services, tg.forum)
        assert done.cases == 1 and done.users == 1 and done.handoff_requests == 1
    await assert_nothing_left(services, person)
    async with services.sessions() as session:
        kept = await session.get(Case, person.case_id)
        assert await session.scalar(select(sa.func.count()).select_from(User)) == 0
    assert kept is not None and kept.user_id is None and kept.outcome == "advice_given"
