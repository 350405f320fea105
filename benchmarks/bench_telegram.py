"""Telegram throughput and latency against the project's fake Bot API server.

    .venv/bin/python benchmarks/bench_telegram.py [--users 150] [--rates 30,100] [--seconds 8]
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]

The bot runs as `hamroh serve` in its own process (polling, embedded NLU, the console, the SLA
watcher and reply delivery: the real service), with outgoing pacing off so that what is
measured is how fast one process handles updates, not Telegram's 30 messages/s. Figures:

- throughput: every user sends /start, a language pick, two questions in words, a topic
  button, the menu button and /help at once; updates handled per second until the last reply;
- CPU milliseconds per update: the bot process's user+system time over that burst;
- latency: updates offered at a steady rate (one at a time per person), p50/p99 from the
  update being available to getUpdates to the reply's sendMessage reaching the server.

SQLite first (a fresh file), then PostgreSQL in a fresh schema (a throwaway role whose
schema of the same name comes first on its search_path); skipped when PostgreSQL is down.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bot.telegram.fake_bot_api import TOKEN, FakeBotAPI  # noqa: E402

# The benchmark's own questions (not from any evaluation set): ordinary and risky ones.
QUESTIONS = [
    "как получить патент", "работодатель не платит зарплату уже два месяца", "где сделать регистрацию",
    "сколько стоит патент в месяц", "как проверить что вакансия не обман", "потерял миграционную карту",
    "патент чӣ тавр мегиранд", "маоши маро намедиҳанд", "patentni qanday olaman",
    "ish haqimni bermayapti", "хозяин забрал паспорт и не отдаёт", "сколько можно находиться без патента",
]
TOPIC_BUTTONS = ["t:docs_patent", "t:rights_unpaid_wages", "t:docs_registration", "t:jobs_check_offer"]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_bot(api_url: str, db_url: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HAMROH_TELEGRAM__TOKEN": TOKEN, "HAMROH_TELEGRAM__API_BASE": api_url,
           "HAMROH_DATABASE__URL": db_url, "HAMROH_TELEGRAM__PACE_CHAT_PER_S": "0",
           "HAMROH_TELEGRAM__PACE_GROUP_PER_MIN": "0", "HAMROH_TELEGRAM__PACE_GLOBAL_PER_S": "0",
           "HAMROH_TELEGRAM__FLOOD_BURST": "1000", "HAMROH_TELEGRAM__POLLING_TIMEOUT_S": "5",
           "HAMROH_CONSOLE__PORT": str(free_port()), "HAMROH_LOG_LEVEL": "WARNING",
           "HAMROH_CONTENT__DIR": str(ROOT / "content"), "HAMROH_NLU__DATA_DIR": str(ROOT / "nlu/data"),
           "HAMROH_NLU__CACHE_DIR": str(ROOT / ".cache/nlu"),
           "HAMROH_HOTLINE__ROUTING_FILE": str(ROOT / "content/hotline/routing.yaml")}
    env.pop("HAMROH_REDIS__URL", None)
    log = (workdir / "bot.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve"], cwd=workdir, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


async def wait_until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.02)


def is_help(text: str) -> bool:
    return "/human" in text and "/language" in text


async def burst(api: FakeBotAPI, pid: int, users: list[int], rng: random.Random) -> tuple[float, float, int]:
    """Every user's whole conversation at once; returns (updates/s, CPU ms/update, updates)."""
    pushed = 0
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    for uid in users:
        lang = rng.choice(["ru", "tg", "uz"])
        api.send_text(uid, "/start", lang=lang)
        api.press(uid, f"lang:{lang}")
        api.send_text(uid, rng.choice(QUESTIONS))
        api.press(uid, rng.choice(TOPIC_BUTTONS))
        api.press(uid, "menu")
        api.send_text(uid, rng.choice(QUESTIONS))
        api.send_text(uid, "/help")
        pushed += 7
    waiting = set(users)
    seen = 0

    def all_done() -> bool:
        nonlocal seen
        for call in api.calls[seen:]:
            if call.method == "sendMessage" and call.chat_id in waiting and is_help(call.text):
                waiting.discard(call.chat_id)
        seen = len(api.calls)
        return not waiting
    await wait_until(all_done, 600, "burst replies")
    last = max(c.at for c in api.calls if c.method == "sendMessage")
    elapsed = last - t0
    return pushed / elapsed, (cpu_seconds(pid) - cpu0) * 1000 / pushed, pushed


async def steady(api: FakeBotAPI, users: list[int], rate: float, seconds: float,
                 rng: random.Random) -> list[float]:
    """One update per person at a time, at `rate` per second: latency to the first reply."""
    latencies: list[float] = []
    pending: dict[int, float] = {}
    cursor = itertools.cycle(users)
    seen = len(api.calls)

    def collect() -> None:
        nonlocal seen
        for call in api.calls[seen:]:
            if call.method == "sendMessage" and call.chat_id in pending:
                latencies.append(call.at - pending.pop(call.chat_id))
        seen = len(api.calls)
    started = time.perf_counter()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        collect()
        uid = next(cursor)
        if uid in pending:
            continue
        kind = rng.random()
        if kind < 0.5:
            update = api.send_text(uid, rng.choice(QUESTIONS))
        elif kind < 0.8:
            update = api.press(uid, rng.choice(TOPIC_BUTTONS))
        else:
            update = api.press(uid, "menu")
        pending[uid] = api.pushed_at[update["update_id"]]
    await wait_until(lambda: (collect(), not pending)[1], 60, "steady replies")
    return latencies


async def run_case(label: str, db_url: str, args: argparse.Namespace) -> None:
    api = FakeBotAPI()
    await api.start()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_bot(api.url, db_url, Path(tmp))
        try:
            await wait_until(lambda: api.polls > 0 or proc.poll() is not None, 300, "bot start")
            if proc.poll() is not None:
                raise RuntimeError((Path(tmp) / "bot.log").read_text()[-3000:])
            warm = list(range(900_000, 900_020))
            await burst(api, proc.pid, warm, rng)  # first requests, caches, connections
            users = list(range(1_000_000, 1_000_000 + args.users))
            rate, cpu_ms, n = await burst(api, proc.pid, users, rng)
            print(f"{label:<11} burst of {n} updates: {rate:6.1f} updates/s, {cpu_ms:5.2f} CPU ms per update")
            for offered in args.rates:
                lat = await steady(api, users, offered, args.seconds, rng)
                print(f"{'':<11} steady {offered:4.0f} updates/s: p50 {pct(lat, 0.5) * 1000:7.1f} ms, "
                      f"p99 {pct(lat, 0.99) * 1000:7.1f} ms (n={len(lat)}), update -> reply's sendMessage")
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
            await api.stop()


async def with_pg_schema(url: str, args: argparse.Namespace) -> None:
    """A throwaway role and its own schema: `"$user"` comes first on the default search_path."""
    import asyncpg

    base = url.replace("postgresql+asyncpg://", "postgresql://")
    role = f"hamroh_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f'CREATE ROLE "{role}" LOGIN')
        await admin.execute(f'CREATE SCHEMA "{role}" AUTHORIZATION "{role}"')
        user_url = url.replace("://postgres@", f"://{role}@", 1)
        await run_case("PostgreSQL", user_url, args)
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{role}" CASCADE')
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--rates", type=lambda v: [float(x) for x in v.split(",")], default=[30.0, 100.0],
                        help="steady offered loads, updates per second")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"Telegram bot, one process, embedded NLU, pacing off; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        await run_case("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db", args)
    host_port = args.pg.split("@", 1)[-1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    try:
        socket.create_connection((host, int(port or 5432)), timeout=0.5).close()
    except OSError:
        print("PostgreSQL   skipped: not running at", host_port)
        return
    await with_pg_schema(args.pg, args)


if __name__ == "__main__":
    asyncio.run(main())
