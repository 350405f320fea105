"""A scripted NLU and risk detector, and test settings: shared by the Telegram tests, the
webhook worker subprocess and the benchmark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.engine.understand import Understander
from bot.settings import ContentSettings, DatabaseSettings, RedisSettings, Settings, TelegramSettings
from hotline_router.config import HotlineSettings
from nlu.languages import Lang
from nlu.service import ParseResult
from tests.bot.telegram.fake_bot_api import TOKEN

ROOT = Path(__file__).resolve().parents[3]

SCRIPT: dict[str, tuple[Lang, list[tuple[str, float]]]] = {
    "как получить патент": ("ru", [("docs_patent", 0.92), ("docs_patent_payment", 0.05)]),
    "патент или регистрация": ("ru", [("docs_patent", 0.40), ("docs_registration", 0.38)]),
    "хозяин забрал паспорт": ("ru", [("rights_passport_taken", 0.9), ("docs_lost_documents", 0.05)]),
    "патент чӣ тавр мегиранд": ("tg", [("docs_patent", 0.9), ("docs_registration", 0.04)]),
}


class ScriptedNLU:
    async def parse(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None) -> ParseResult:
        lang, ranking = SCRIPT.get(text.strip().lower(), (prior or "ru", [("out_of_scope", 0.2)]))
        return ParseResult(lang=lang_hint or lang, lang_confidence=0.9, ranking=tuple(ranking), backend="test")


@dataclass
class Risk:
    level: str = "none"
    indicators: Sequence[str] = ()
    evidence: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "indicators": list(self.indicators), "evidence": self.evidence}


class ScriptedRisk:
    def assess(self, text: str, lang: Lang, *, ranking: Sequence[tuple[str, float]] = (),
               context: object | None = None) -> Risk:
        if "паспорт" in text.lower():
            return Risk("high", ["retention_of_documents"], [{"rule": "passport_taken", "matched": "паспорт"}])
        return Risk()


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
