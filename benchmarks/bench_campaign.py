"""Awareness campaigns with Telegram's real limits, against the project's fake Bot API.

    .venv/bin/python benchmarks/bench_campaign.py [--people 600]

The service is built as `hamroh serve` builds it (bot.composition: the bot polling with the
delivery middleware's real pacing: 30 messages/s in all, 1/s per chat; the campaign scheduler
with its default budget: 20/s, 5 tokens of the global bucket kept for others), on SQLite,
with a scripted NLU (the engine's own time is bench_telegram's subject). Figures:

- the campaign's send rate (messages/s, first to last message at the server);
- the lag answers see: a person's /help pushed as an update -> the answer's sendMessage at
  the server, p50/p99, before the campaign and during it;
- the lag operators' replies see: the hotline's Telegram sender called -> the message at the
  server, p50/p99, before and during.

About 40 s with the default 600 people. The fake Bot API runs in this process: on a shared
machine the figures move with the other load.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.composition import build_services, campaign_scheduler  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from shared.stats import percentile  # noqa: E402
from tests.bot.telegram.campaign_people import FIRST_ID, add_people, write_campaign  # noqa: E402
from tests.bot.telegram.conftest import polling  # noqa: E402
from tests.bot.telegram.fake_bot_api import FakeBotAPI  # noqa: E402
from tests.bot.telegram.scripted import make_settings, scripted_understander  # noqa: E402

ASKERS = range(1, 21)  # people asking questions meanwhile (outside the campaign)
CASES = range(101, 111)  # people operators reply to


def pct(values: list[float], q: float) -> float:
    """Milliseconds at quantile `q` (0..1) of samples in seconds (shared.stats, the one helper)."""
    found = percentile(values, q * 100)
    return float("nan") if found is None else found * 1000


class Probes:
    """One answer and one operator reply every `every_s`, each timed to the server."""

    def __init__(self, api: FakeBotAPI, send_reply: object, every_s: float = 0.25) -> None:
        self.api, self.send_reply, self.every_s = api, send_reply, every_s
        self.answers: list[float] = []
        self.replies: list[float] = []

    async def answers_loop(self) -> None:
        n = 0
        while True:
            chat = ASKERS[n % len(ASKERS)]
            before = len(self.api.calls_of("sendMessage", chat))
            update = self.api.send_text(chat, "/help")
            calls = await self.api.wait_for("sendMessage", chat_id=chat, count=before + 1, within=60)
            self.answers.append(calls[before].at - self.api.pushed_at[update["update_id"]])
            n += 1
            await asyncio.sleep(self.every_s)

    async def replies_loop(self) -> None:
        n = 0
        while True:
            chat = CASES[n % len(CASES)]
            started = time.perf_counter()
            await self.send_reply(str(chat), f"reply {n}")  # type: ignore[operator]
            self.replies.append(self.api.calls_of("sendMessage", chat)[-1].at - started)
            n += 1
            await asyncio.sleep(self.every_s)

    async def run_for(self, seconds: float | None, until: asyncio.Task[int] | None = None) -> None:
        tasks = [asyncio.create_task(self.answers_loop()), asyncio.create_task(self.replies_loop())]
        try:
            if until is not None:
                await until
            else:
                await asyncio.sleep(seconds or 0)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def line(self, label: str) -> str:
        return (f"{label:<16} answers p50 {pct(self.answers, .5):6.1f} ms  p99 {pct(self.answers, .99):6.1f} ms"
                f" (n={len(self.answers)})   operators' replies p50 {pct(self.replies, .5):6.1f} ms"
                f"  p99 {pct(self.replies, .99):6.1f} ms (n={len(self.replies)})")


async def main(people: int) -> None:
    api = FakeBotAPI()
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(f"sqlite+aiosqlite:///{tmp}/bench.db", api.url, pace_global_per_s=30,
                                 pace_chat_per_s=1.0, pace_group_per_min=20)
        configure_logging(settings.model_copy(update={"log_level": "WARNING"}))
        services = await build_services(settings, understander=scripted_understander())
        audience = await add_people(services.sessions, opted_in=people)
        async with polling(services) as tg:
            for chat in ASKERS:  # everyone has chosen a language already
                api.send_text(chat, "/start")
            await asyncio.sleep(2)
            quiet = Probes(api, tg.sender.send)
            await quiet.run_for(6)
            scheduler = campaign_scheduler(services, tg)
            scheduler.campaigns.folder = write_campaign(Path(tmp) / "campaigns")
            await scheduler.campaigns.start("wave", by="bench")
            busy = Probes(api, tg.sender.send)
            sending = asyncio.create_task(scheduler.tick())
            await busy.run_for(None, until=sending)
            sent = sending.result()
            await scheduler.close()
        await services.close()
    await api.stop()
    times = [c.at for c in api.calls_of("sendMessage") if c.chat_id >= FIRST_ID]
    rate = (len(times) - 1) / (max(times) - min(times)) if len(times) > 1 else float("nan")
    assert sent == len(audience) == len(times), (sent, len(audience), len(times))
    print(f"campaign: {sent} messages in {max(times) - min(times):.1f} s = {rate:.1f} messages/s "
          f"(budget {settings.campaigns.per_s:g}/s under Telegram's {settings.telegram.pace_global_per_s:g}/s)")
    print(quiet.line("before:"))
    print(busy.line("during campaign:"))
    change = (statistics.median(busy.answers) - statistics.median(quiet.answers)) * 1000
    print(f"median answer lag change during the campaign: {change:+.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=600)
    asyncio.run(main(parser.parse_args().people))
