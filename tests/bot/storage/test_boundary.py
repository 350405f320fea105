"""The storage boundary: ids never reused on SQLite (migration 0006, over existing data),
NUL characters replaced before they reach either database, and bound parameters kept out of
error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.storage import repo
from bot.storage.db import REPLACEMENT, clean_text, make_engine, make_sessionmaker, migrate
from bot.storage.models import Event, User
from hotline_router.models import AuditEntry, Case, Message

SECRET = "+7 999 123-45-67"


def _case(user: User, **kw: object) -> Case:
    fields: dict[str, object] = {"user_id": user.id, "transport": "test", "external_id": user.external_id,
                                 "lang": "ru", "team": "general", "preferred_team": "general",
                                 "transcript": [], "status": "closed"}
    fields.update(kw)
    return Case(**fields)


async def _insert_as_of_then(session: AsyncSession, obj: object) -> None:
    """Insert `obj` with only the columns its table had at the revision the database is at:
    later migrations add columns the model already knows."""
    table = obj.__table__  # type: ignore[attr-defined]
    conn = await session.connection()
    present = set(await conn.run_sync(lambda c: [col["name"] for col in sa.inspect(c).get_columns(table.name)]))
    values: dict[str, object] = {}
    for col in table.columns:
        if col.name not in present or col.primary_key:
            continue
        value = getattr(obj, col.key, None)
        if value is None and col.default is not None:
            arg = col.default.arg
            value = arg(None) if callable(arg) else arg
        values[col.name] = value
    columns = [sa.column(name, table.c[name].type) for name in values]
    await conn.execute(sa.insert(sa.table(table.name, *columns)).values(**values))


async def test_migration_keeps_rows_and_ids_are_not_reused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await migrate(engine, "0005_updates_retry_outbox_parts")
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        users = [User(id=i + 1, transport="test", external_id=f"p{i}") for i in range(3)]
        for u in users:  # as the table was then (the model has columns of later revisions)
            await _insert_as_of_then(session, u)
        for u in users:
            await repo.add_event(session, user=u, direction="in", kind="text", text=f"hello {u.external_id}")
        for u in users:
            await _insert_as_of_then(session, _case(u))
        # An audit row about a case that is already gone (deleted before the upgrade).
        await _insert_as_of_then(session, AuditEntry(action="view", case_id=7, username="sup"))
    await migrate(engine)  # 0005 -> 0006 over the rows
    async with engine.connect() as conn:
        ddl = (await conn.exec_driver_sql("SELECT group_concat(sql, ';') FROM sqlite_master")).scalar()
        broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
        autoincrement = set((await conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'")).scalars())
    # The 13 tables 0006 rebuilt (later revisions, e.g. 0008's reminders, create theirs with it too).
    rebuilt = {"users", "events", "handoff_requests", "hotline_operators", "hotline_cases", "hotline_case_events",
               "hotline_messages", "hotline_notes", "hotline_audit", "hotline_console_sessions", "hotline_alerts",
               "telegram_topics", "telegram_files"}
    assert rebuilt <= autoincrement and not broken
    assert "uq_hotline_cases_open_user" in ddl and "ix_events_user_risky" in ddl  # partial indexes kept
    async with sessions() as session:
        assert await session.scalar(select(sa.func.count()).select_from(Event)) == 3
        assert await session.scalar(select(sa.func.count()).select_from(Case)) == 3
        newest = await session.scalar(select(User).order_by(User.id.desc()))
    assert newest is not None
    async with sessions.begin() as session:  # /forget of the newest person: cascades still work
        await repo.forget_user(session, user=await session.get(User, newest.id))
    async with sessions() as session:
        assert await session.scalar(select(sa.func.count()).select_from(Case)) == 2
        assert await session.scalar(select(sa.func.count()).select_from(Event)) == 2
    async with sessions.begin() as session:
        again, _ = await repo.get_or_create_user(session, transport="test", external_id="someone-else")
        case = _case(again)
        session.add(case)
        await session.flush()
    assert again.id > newest.id  # not the forgotten person's number
    assert case.id > 7  # not the number an old audit row still quotes
    await engine.dispose()


async def test_nul_characters_reach_the_store_replaced(any_engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(any_engine)
    text = "паспорт\x00забрали"
    async with sessions.begin() as session:
        user, _ = await repo.get_or_create_user(session, transport="te\x00st", external_id="nul")
        await repo.add_event(session, user=user, direction="in", kind="text", text=text,
                             evidence=[{"matched": text, "k\x00": "v"}])
        case = _case(user, transcript=[{"text": text}], status="queued")
        session.add(case)
        await session.flush()
        await session.execute(sa.insert(Message).values(case_id=case.id, direction="in", text=text,
                                                        transport="test", external_id="nul",
                                                        status="received"))
        await session.execute(sa.update(Case).where(Case.id == case.id).values(outcome="o\x00k"))
    expected = text.replace("\x00", REPLACEMENT)
    async with sessions() as session:
        event = await session.scalar(select(Event))
        stored = await session.get(Case, case.id)
        message = await session.scalar(select(Message.text))
        assert event is not None and stored is not None
        assert event.text == expected and event.evidence == [{"matched": expected, f"k{REPLACEMENT}": "v"}]
        assert stored.transcript == [{"text": expected}] and stored.outcome == f"o{REPLACEMENT}k"
        assert message == expected
        assert (await session.get(User, user.id)).transport == f"te{REPLACEMENT}st"  # type: ignore[union-attr]


async def test_errors_do_not_quote_parameters(any_engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(any_engine)
    with pytest.raises(DBAPIError) as caught:
        async with sessions.begin() as session:
            await session.execute(sa.text("INSERT INTO no_such_table (x) VALUES (:x)"), {"x": SECRET})
    assert SECRET not in str(caught.value) and "hidden" in str(caught.value)


async def test_retention_keeps_people_seen_recently_or_still_named_by_a_case(any_engine: AsyncEngine) -> None:
    import datetime as dt

    from bot.storage.retention import purge_handoff_requests, purge_inactive_users

    sessions = make_sessionmaker(any_engine)
    now = dt.datetime.now(dt.UTC)
    old = now - dt.timedelta(days=100)
    async with sessions.begin() as session:
        gone, recent, named = [(await repo.get_or_create_user(session, transport="test", external_id=x))[0]
                               for x in ("gone", "recent", "named")]
        gone.last_seen_at = named.last_seen_at = old
        session.add(_case(named))  # a case not yet purged still names the person
        old_request = await repo.add_handoff_request(session, user=recent, level="high", indicators=[],
                                                     transcript=[{"text": SECRET}])
        old_request.created_at = old
        await repo.add_handoff_request(session, user=recent, level="none", indicators=[], transcript=[])
    async with sessions.begin() as session:
        assert await purge_handoff_requests(session, days=90, now=now) == 1
        assert await purge_inactive_users(session, days=90, now=now) == 1
    async with sessions() as session:
        left = set((await session.scalars(select(User.external_id))).all())
    assert left == {"recent", "named"}


def test_clean_text_copies_only_what_holds_a_nul() -> None:
    clean = {"text": "салом", "meta": [1, ("a", None)], "n": 2.5}
    assert clean_text(clean) is clean
    dirty = {"te\x00xt": ["ok", ("a\x00", 3)], "n": None}
    assert clean_text(dirty) == {"te\ufffdxt": ["ok", ("a\ufffd", 3)], "n": None}
    assert dirty == {"te\x00xt": ["ok", ("a\x00", 3)], "n": None}  # the caller's object is left alone
