"""A separate process for the campaign kill test (run by test_campaign_kill.py, not collected).

`campaign_proc.py DB_URL API_URL FOLDER PARALLEL`: send the queued campaign `wave` through the
fake Bot API with the real sender and aiogram's client, until nothing is left (or killed).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from pathlib import Path

from pydantic import SecretStr

from bot.campaigns.config import CampaignSettings
from bot.campaigns.pacing import Budget
from bot.campaigns.sender import CampaignSender
from bot.campaigns.service import Campaigns
from bot.settings import TelegramSettings
from bot.storage.db import make_engine, make_sessionmaker
from bot.telegram.campaign_transport import TelegramCampaignTransport, campaign_bot
from bot.telegram.delivery import Pacer
from tests.bot.telegram.fake_bot_api import TOKEN


async def main(db_url: str, api_url: str, folder: Path, parallel: int) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    settings = CampaignSettings(per_s=400, parallel=parallel, lease_s=1.0, interval_s=0.05)
    telegram = TelegramSettings(token=SecretStr(TOKEN), api_base=api_url)
    transport = TelegramCampaignTransport(campaign_bot(telegram, Pacer.from_settings(telegram)))
    campaigns = Campaigns(sessions, settings, folder)
    sender = CampaignSender(sessions, transport, Budget(settings.per_s), settings)
    await sender.run("wave", functools.partial(campaigns.render, campaigns.get("wave")))
    await transport.close()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])))
