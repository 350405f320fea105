"""Telegram throughput and latency against the project's fake Bot API server.

    .venv/bin/python benchmarks/bench_telegram.py [--users 500] [--rates 50,100,150,200,250,300,400,600]
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/15]
        [--only sqlite,pg,pair] [--profile DIR]

The bot runs as `hamroh serve` in its own process (polling, embedded NLU, the console, the SLA
watcher and reply delivery: the real service), with outgoing pacing off so that what is
measured is how fast one process handles updates, not Telegram's 30 messages/s. Figures:

- throughput: every user sends /start, a language pick, two questions in words, a topic
  button (real topics from content/topics.yaml), the menu button and /help at once;
  updates handled per second until the last reply;
- CPU milliseconds per update: the bot process's user+system time over that burst;
- latency: an open-loop sweep of offered rates (benchmarks/loadgen.py: updates are sent on
  schedule whether or not replies came), at least 2,000 updates per rate, until the bot
  saturates; p50/p90/p99 from the update being available to the reply's sendMessage
  reaching the server, and the knee (the highest rate answered in full with p99 <= 100 ms).

SQLite first (a fresh file), then PostgreSQL in a fresh schema (a throwaway role whose
search_path is a schema of its own), then two webhook processes on that PostgreSQL sharing
Redis (updates posted to them in turn, as a load balancer would: a person's updates in order,
as Telegram delivers them, at most 40 POSTs at once, setWebhook's default); each is
skipped when its server is down. `--profile DIR` records py-spy's stacks of each bot process
during its burst. The fake Bot API and the load generator run in this process, on
the same machine: on a shared machine the figures move with the other load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    clear_redis,
    cpu_seconds,
    free_port,
    reachable,
    stop,
    wait_until,
    with_pg_schema,
)
from benchmarks.loadgen import sweep  # noqa: E402
from tests.bot.telegram.fake_bot_api import TOKEN, FakeBotAPI  # noqa: E402

# The benchmark's own questions (not from any evaluation set): ordinary and risky ones.
QUESTIONS = [
    "как получить патент", "работодатель не платит зарплату уже два месяца", "где сделать регистрацию",
    "сколько стоит патент в месяц", "как проверить что вакансия не обман", "потерял миграционную карту",
    "патент чӣ тавр мегиранд", "маоши маро намедиҳанд", "patentni qanday olaman",
    "ish haqimni bermayapti", "хозяин забрал паспорт и не отдаёт", "сколько можно находиться без патента",
]
SECRET = "bench-webhook-secret"


def topic_buttons() -> list[str]:
    """Every answerable topic of the catalogue (not chat), as the buttons people press."""
    topics = yaml.safe_load((ROOT / "content/topics.yaml").read_text(encoding="utf-8"))["topics"]
    found = [f"t:{t['id']}" for t in topics if t["area"] != "chat"
             and (ROOT / "content/ru/topics" / f"{t['id']}.yaml").exists()]
    if not found:
        raise SystemExit("no topics found in content/topics.yaml")
    return found


TOPIC_BUTTONS = topic_buttons()


def start_bot(api_url: str, db_url: str, workdir: Path, name: str = "bot",
              extra: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HAMROH_TELEGRAM__TOKEN": TOKEN, "HAMROH_TELEGRAM__API_BASE": api_url,
           "HAMROH_DATABASE__URL": db_url, "HAMROH_TELEGRAM__PACE_CHAT_PER_S": "0",
           "HAMROH_TELEGRAM__PACE_GROUP_PER_MIN": "0", "HAMROH_TELEGRAM__PACE_GLOBAL_PER_S": "0",
           "HAMROH_TELEGRAM__FLOOD_BURST": "1000", "HAMROH_TELEGRAM__POLLING_TIMEOUT_S": "5",
           "HAMROH_CONSOLE__PORT": str(free_port()), "HAMROH_OPS__PORT": str(free_port()),
           "HAMROH_LOG_LEVEL": "WARNING",
           "HAMROH_CONTENT__DIR": str(ROOT / "content"), "HAMROH_NLU__DATA_DIR": str(ROOT / "nlu/data"),
           "HAMROH_NLU__CACHE_DIR": str(ROOT / ".cache/nlu"),
           "HAMROH_HOTLINE__ROUTING_FILE": str(ROOT / "content/hotline/routing.yaml")}
    env.pop("HAMROH_REDIS__URL", None)
    env.update(extra or {})
    log = (workdir / f"{name}.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve"], cwd=workdir, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def webhook_env(port: int, redis_url: str, prefix: str) -> dict[str, str]:
    return {"HAMROH_TELEGRAM__MODE": "webhook", "HAMROH_TELEGRAM__WEBHOOK_PORT": str(port),
            "HAMROH_TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
            "HAMROH_TELEGRAM__WEBHOOK_SECRET": SECRET, "HAMROH_REDIS__URL": redis_url,
            "HAMROH_REDIS__KEY_PREFIX": prefix}


class BalancedFakeAPI(FakeBotAPI):
    """Telegram in front of a load balancer and N webhook processes. Like Telegram, it
    delivers a person's updates in order, the next one after the answer to the one before,
    with at most `max_connections` POSTs in flight (setWebhook's default is 40); the balancer
    sends each POST to the next process in turn. (Posting every update at once, in any
    order, made /help overtake /start: the burst then waited for replies that never come.)"""

    def __init__(self, max_connections: int = 40) -> None:
        super().__init__()
        self.targets: list[str] = []
        self._turn = 0
        self._slots = asyncio.Semaphore(max_connections)
        self._last: dict[int, asyncio.Future[None]] = {}  # each person's update in flight

    @staticmethod
    def _person(update: dict[str, Any]) -> int:
        event = update.get("message") or update.get("callback_query") or {}
        return int(event.get("from", {}).get("id", 0))

    async def _deliver(self, update: dict[str, Any]) -> None:
        person = self._person(update)
        before = self._last.get(person)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[person] = mine
        try:
            if before is not None:
                await before
            async with self._slots:
                url = self.targets[self._turn % len(self.targets)] if self.targets else None
                self._turn += 1
                self.webhook_statuses.append(await self.post_webhook(update, secret=SECRET, url=url))
        finally:
            mine.set_result(None)
            if self._last.get(person) is mine:
                del self._last[person]


def is_help(text: str) -> bool:
    return "/human" in text and "/language" in text


def profile(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy on a running bot (same user; needs ptrace): collapsed stacks, which speedscope
    and flamegraph.pl read, and `benchmarks/profile_summary.py` sums up."""
    return subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
                             "--rate", "250", "--duration", str(int(seconds)), "--format", "raw",
                             "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def burst(api: FakeBotAPI, pids: list[int], users: list[int], rng: random.Random) -> tuple[float, float, int]:
    """Every user's whole conversation at once; returns (updates/s, CPU ms/update, updates)."""
    pushed = 0
    cpu0, t0 = sum(cpu_seconds(p) for p in pids), time.perf_counter()
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
    return pushed / (last - t0), (sum(cpu_seconds(p) for p in pids) - cpu0) * 1000 / pushed, pushed


def offerer(api: FakeBotAPI, users: list[int], rng: random.Random) -> Callable[[int], tuple[int, float]]:
    """The i-th update of the sweep: people in turn; half questions in words, 30 % topic
    buttons, 20 % the menu button."""
    def offer(i: int) -> tuple[int, float]:
        uid = users[i % len(users)]
        kind = rng.random()
        if kind < 0.5:
            update = api.send_text(uid, rng.choice(QUESTIONS))
        elif kind < 0.8:
            update = api.press(uid, rng.choice(TOPIC_BUTTONS))
        else:
            update = api.press(uid, "menu")
        return uid, api.pushed_at[update["update_id"]]
    return offer


async def measure(label: str, api: FakeBotAPI, pids: list[int], args: argparse.Namespace) -> None:
    rng = random.Random(7)
    await burst(api, pids, list(range(900_000, 900_040)), rng)  # first requests, caches, connections
    users = list(range(1_000_000, 1_000_000 + args.users))
    spies = [profile(pid, args.profile / f"{label.split()[0].lower()}-{i}.txt", 12)
             for i, pid in enumerate(pids)] if args.profile else []
    rate, cpu_ms, n = await burst(api, pids, users, rng)
    print(f"{label:<11} burst of {n} updates: {rate:6.1f} updates/s, {cpu_ms:5.2f} CPU ms per update")
    for spy in spies:
        spy.wait()
    await sweep(api, offerer(api, users, rng), args.rates, print_fn=print, indent=" " * 12)


async def run_case(label: str, db_url: str, args: argparse.Namespace) -> None:
    api = FakeBotAPI()
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_bot(api.url, db_url, Path(tmp))
        try:
            await wait_until(lambda: api.polls > 0 or proc.poll() is not None, 300, "bot start")
            if proc.poll() is not None:
                raise RuntimeError((Path(tmp) / "bot.log").read_text()[-3000:])
            await measure(label, api, [proc.pid], args)
        finally:
            stop([proc])
            await api.stop()


async def run_pair(db_url: str, args: argparse.Namespace) -> None:
    """Two webhook processes on one PostgreSQL, sharing Redis (FSM, event isolation, flood
    buckets, update ids): what docs/telegram.md describes for scaling out."""
    api = BalancedFakeAPI()
    await api.start()
    prefix = f"hamroh-bench-{uuid.uuid4().hex[:8]}"
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for i in range(2):  # one after the other: the first one migrates the schema
                port = free_port()
                procs.append(start_bot(api.url, db_url, Path(tmp), f"bot{i}",
                                       webhook_env(port, args.redis, prefix)))
                api.webhook = None
                await wait_until(lambda: api.webhook is not None or procs[-1].poll() is not None, 300,
                                 "webhook set")
                if procs[-1].poll() is not None:
                    raise RuntimeError((Path(tmp) / f"bot{i}.log").read_text()[-3000:])
                api.targets.append(f"http://127.0.0.1:{port}/telegram/webhook")
            await measure("2 webhooks", api, [p.pid for p in procs], args)
        finally:
            stop(procs)
            await api.stop()
            await clear_redis(args.redis, prefix)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--rates", type=lambda v: [float(x) for x in v.split(",")],
                        default=[50.0, 100.0, 150.0, 200.0, 250.0, 300.0, 400.0, 600.0],
                        help="offered loads of the open-loop sweep, updates per second, increasing")
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--only", type=lambda v: set(v.split(",")), default={"sqlite", "pg", "pair"})
    parser.add_argument("--profile", type=Path, default=None, help="write py-spy flame graphs here")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    print(f"Telegram bot, embedded NLU, pacing off; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} before the run (other work on this machine moves the figures)")
    if "sqlite" in args.only:
        with tempfile.TemporaryDirectory() as tmp:
            await run_case("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db", args)
    if not reachable(args.pg, 5432):
        print("PostgreSQL  skipped: not running at", args.pg)
        return
    if "pg" in args.only:
        await with_pg_schema(args.pg, lambda url: run_case("PostgreSQL", url, args))
    if "pair" in args.only:
        if not reachable(args.redis, 6379):
            print("2 webhooks  skipped: Redis not running at", args.redis)
            return
        await with_pg_schema(args.pg, lambda url: run_pair(url, args))


if __name__ == "__main__":
    asyncio.run(main())
