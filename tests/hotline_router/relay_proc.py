"""A separate process for the kill test (run by test_restart.py, not collected by pytest).

`start DB OUT`: queue a case, claim it, post ten operator replies (printing `ACK n` once each
is committed), then deliver them slowly to OUT, one line per message, until killed.
`resume DB OUT`: deliver whatever is left, then exit.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.i18n import Catalogs
from bot.storage import repo
from bot.storage.db import make_engine, make_sessionmaker, migrate
from hotline_router import operators
from hotline_router.config import HotlineSettings
from hotline_router.models import Message
from hotline_router.operations import Operations
from hotline_router.relay import DeliveryResult, DeliveryWorker
from hotline_router.routing import load_routing
from hotline_router.service import Hotline, HotlineHandoff

HERE = Path(__file__).parent


class FileSender:
    def __init__(self, path: Path, delay: float) -> None:
        self.path, self.delay = path, delay

    async def send(self, external_id: str, text: str) -> DeliveryResult:
        await asyncio.sleep(self.delay)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(text.split(": ", 1)[-1] + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return DeliveryResult(ok=True)


async def main(mode: str, db_url: str, out: Path) -> None:
    engine = make_engine(db_url)
    await migrate(engine)
    sessions = make_sessionmaker(engine)
    hotline = Hotline(sessions=sessions, settings=HotlineSettings(), catalogs=Catalogs.load(),
                      routing=load_routing(HERE / "routing_test.yaml"))
    worker = DeliveryWorker(sessions, hotline.senders, lease_s=1.0, interval_s=0.1)
    if mode == "start":
        hotline.senders.register("test", FileSender(out, delay=0.4))
        async with sessions.begin() as session:
            user, _ = await repo.get_or_create_user(session, transport="test", external_id="kill")
            ticket = await HotlineHandoff(hotline).request(
                session, user=user, lang="ru", level="high", indicators=[], evidence=[], transcript=[])
            await HotlineHandoff(hotline).relay_from_person(
                session, case_id=ticket.case_id, user=user, kind="text", text="please help", meta={})
            op = await operators.add(session, username="killer", password="long enough password")
        ops = Operations(hotline)
        await ops.claim(op, ticket.case_id, ip="t")
        for n in range(10):
            await ops.reply(op, ticket.case_id, f"reply {n}", ip="t")
            print(f"ACK {n}", flush=True)
        await worker.run()  # until the test kills us
    else:
        hotline.senders.register("test", FileSender(out, delay=0.0))
        for _ in range(100):
            await worker.run_once()
            async with sessions() as session:
                left = await session.scalar(select(func.count(Message.id)).where(
                    Message.status.in_(("pending", "sending"))))
            if not left:
                break
            await asyncio.sleep(0.3)  # a lease left by the killed process runs out
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
