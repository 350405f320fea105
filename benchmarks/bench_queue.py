"""Hotline queue: 10,000 waiting cases, 20 operators claiming at once on PostgreSQL, and the
console's queue page rendered over 10,000 cases.

    .venv/bin/python benchmarks/bench_queue.py [--cases 10000] [--operators 20]
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Claims go through `Operations.claim_next` (the console's "take the next case": SKIP LOCKED
pick, conditional update, event, "operator joined" notice, audit entry, commit). A double
claim would show as a case with two `claimed` events; the count must be 0. Runs in a fresh
schema that is dropped afterwards; prints a note and exits 0 when PostgreSQL is not running.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import reachable  # noqa: E402
from bot.i18n import Catalogs  # noqa: E402
from bot.storage.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from hotline_router import operators  # noqa: E402
from hotline_router.config import HotlineSettings  # noqa: E402
from hotline_router.console.app import make_app  # noqa: E402
from hotline_router.models import Case, CaseEvent, Operator  # noqa: E402
from hotline_router.operations import Operations  # noqa: E402
from hotline_router.routing import load_routing  # noqa: E402
from hotline_router.service import Hotline  # noqa: E402

PASSWORD = "benchmark password"


class ConsoleCfg:
    cookie_secure = False
    session_ttl_s = 3600





async def _fill(engine: AsyncEngine, n: int) -> None:
    """Users and queued cases in bulk (Core inserts: the queue's own code is not measured here)."""
    now = dt.datetime.now(dt.UTC)
    levels = ("none", "none", "elevated", "high")
    teams = ("tajik", "uzbek", "general")
    async with engine.begin() as conn:
        await conn.execute(sa.text(
            "INSERT INTO users (transport, external_id, lang_confirmed, created_at, last_seen_at) "
            "VALUES (:t, :e, false, :now, :now)"),
            [{"t": "bench", "e": f"u{i}", "now": now} for i in range(n)])
        ids = (await conn.execute(sa.text(
            "SELECT id FROM users WHERE transport = 'bench' ORDER BY id"))).scalars().all()
        rows = []
        for i, uid in enumerate(ids):
            level = levels[i % 4]
            queued = now - dt.timedelta(seconds=n - i)
            rows.append({"user_id": uid, "transport": "bench", "external_id": f"u{i}", "lang": "ru",
                         "country": "RU", "level": level, "risk_rank": {"high": 2, "elevated": 1}.get(level, 0),
                         "indicators": [], "evidence": [], "transcript": [], "topics": [], "status": "queued",
                         "team": teams[i % 3], "preferred_team": teams[i % 3], "out_of_hours": False,
                         "created_at": queued, "queued_at": queued, "sla_due_at": queued + dt.timedelta(hours=1),
                         "tags": [], "delivery_failed": False})
        for start in range(0, len(rows), 1000):
            await conn.execute(sa.insert(Case), rows[start:start + 1000])


async def _render(hotline: Hotline, rounds: int = 5) -> tuple[float, int]:
    async with TestClient(TestServer(make_app(hotline, ConsoleCfg()))) as client:
        page = await client.get("/console/login")
        token = (await page.text()).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        await client.post("/console/login", data={"username": "boss", "password": PASSWORD,
                                                   "csrf_token": token})
        times, size = [], 0
        for _ in range(rounds):
            started = time.perf_counter()
            resp = await client.get("/console/")
            body = await resp.text()
            times.append(time.perf_counter() - started)
            assert resp.status == 200, resp.status
            size = len(body)
        return statistics.median(times), size


async def run(pg_url: str, n: int, n_ops: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url)
    async with admin.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    # One connection per operator, so the figure measures the database, not waiting on a pool.
    engine = create_async_engine(pg_url, pool_size=n_ops + 2,
                                 connect_args={"server_settings": {"search_path": schema}})
    try:
        await migrate(engine)
        hotline = Hotline(sessions=make_sessionmaker(engine), settings=HotlineSettings(),
                          catalogs=Catalogs.load(), routing=load_routing(ROOT / "content/hotline/routing.yaml"))
        started = time.perf_counter()
        await _fill(engine, n)
        print(f"filled {n} queued cases in {time.perf_counter() - started:.1f} s")
        async with hotline.sessions.begin() as session:
            await operators.add(session, username="boss", password=PASSWORD, role="supervisor")
            # Supervisors: exempt from the per-operator capacity, so each can keep claiming.
            ops = [Operator(username=f"op{i}", password_hash="x", role="supervisor", teams=[])
                   for i in range(n_ops)]
            session.add_all(ops)

        page_s, size = await _render(hotline)
        print(f"queue page with {n} waiting: {page_s * 1000:.0f} ms median over 5 "
              f"({size // 1024} KiB, first {hotline.settings.queue_page_size} rows + count)")

        actions = Operations(hotline)
        claimed: list[int] = []

        async def operator_loop(op: Operator) -> None:
            while (case_id := await actions.claim_next(op, ip="bench")) is not None:
                claimed.append(case_id)

        started = time.perf_counter()
        await asyncio.gather(*(operator_loop(op) for op in ops))
        elapsed = time.perf_counter() - started
        async with hotline.sessions() as session:
            per_case = Counter((await session.scalars(
                sa.select(CaseEvent.case_id).where(CaseEvent.kind == "claimed"))).all())
            left = await session.scalar(sa.select(sa.func.count(Case.id)).where(Case.status == "queued"))
        doubles = sum(1 for v in per_case.values() if v > 1) + (len(claimed) - len(set(claimed)))
        print(f"{n_ops} operators claimed {len(claimed)} cases in {elapsed:.1f} s: "
              f"{len(claimed) / elapsed:.0f} claims/s; double claims: {doubles}; left queued: {left}")
        if doubles or left:
            raise SystemExit("FAILED: double claims or cases left behind")
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--operators", type=int, default=20)
    ap.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    if not reachable(args.pg, 5432):
        print("PostgreSQL is not running at 127.0.0.1:5432: queue benchmark skipped")
        return
    asyncio.run(run(args.pg, args.cases, args.operators))


if __name__ == "__main__":
    main()
