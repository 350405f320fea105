"""A scripted NLU and risk detector, and test settings: shared by the Telegram tests, the
webhook worker subprocess and the benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.engine.understand import Understander
from bot.settings import ContentSettings, DatabaseSettings, RedisSettings, Settings, TelegramSettings
from hotline_router.config import HotlineSettings
from tests.bot.telegram.fake_bot_api import TOKEN
from tests.doubles import ScriptedNLU, ScriptedRisk

ROOT = Path(__file__).resolve().parents[3]

def scripted_understander() -> Understander:
    return Understander(ScriptedNLU(), ScriptedRisk(), threshold=0.5, margin=0.1, max_chars=4000)


def make_settings(db_url: str, api_url: str = "http://127.0.0.1:9", *, redis_url: str | None = None,
                  redis_prefix: str = "hamroh", **telegram: Any) -> Settings:
    tg: dict[str, Any] = {"token": SecretStr(TOKEN), "api_base": api_url, "pace_chat_per_s": 0,
                          "pace_group_per_min": 0, "pace_global_per_s": 0, "polling_timeout_s": 2, **telegram}
    return Settings(database=DatabaseSettings(url=db_url), content=ContentSettings(dir=ROOT / "content"),
                    telegram=TelegramSettings(**tg), redis=RedisSettings(url=redis_url, key_prefix=redis_prefix),
                    hotline=HotlineSettings(routing_file=ROOT / "content/hotline/routing.yaml",
                                            delivery_interval_s=0.05))
