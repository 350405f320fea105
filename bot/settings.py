"""One typed settings object, built at start-up and passed down.

Values come from (highest first) constructor arguments, `HAMROH_*` environment variables
(nested with `__`, e.g. `HAMROH_NLU__BACKEND=rasa`), a `.env` file, and an optional TOML
config file named by `HAMROH_CONFIG_FILE`. Nothing here is evaluated at import time:
call `load_settings()`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.campaigns.config import CampaignSettings
from bot.inbox.config import InboxSettings
from bot.ops.config import OpsSettings
from hotline_router.config import HotlineSettings
from nlu.config import NLUSettings


class DatabaseSettings(BaseModel):
    # SQLite needs no server: the embedded default for a fresh machine.
    url: str = "sqlite+aiosqlite:///data/hamroh.db"
    echo: bool = False


class RedisSettings(BaseModel):
    url: str | None = None
    # Every key starts with this (FSM, event locks, flood buckets, seen update ids), so
    # two deployments can share one Redis.
    key_prefix: str = "hamroh"


class ContentSettings(BaseModel):
    dir: Path = Path("content")
    # `verified` dates older than this are warned about by `hamroh content check`.
    max_age_days: int = Field(default=180, ge=1)
    # Poll the content folder for changes while the service runs (seconds; 0 turns it off).
    watch_interval_s: float = Field(default=2.0, ge=0)


class TelegramSettings(BaseModel):
    token: SecretStr | None = None
    api_base: str | None = None  # a local Bot API server, e.g. http://127.0.0.1:8081
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"
    # Optional operators' forum supergroup (the bot must be an admin with can_manage_topics).
    operators_chat_id: int | None = None
    polling_timeout_s: int = Field(default=30, ge=1)
    # Per-person flood control: a bucket of `flood_burst` messages refilled at
    # `flood_per_minute`; past it the person gets one polite notice, the rest is dropped.
    flood_burst: int = Field(default=10, ge=1)
    flood_per_minute: float = Field(default=20.0, gt=0)
    # Outgoing pacing within Telegram's limits (about 1 msg/s per chat, 20/min per group,
    # 30/s overall); 0 turns a limit off (benchmarks measure handling, not Telegram).
    pace_chat_per_s: float = Field(default=1.0, ge=0)
    pace_chat_burst: int = Field(default=3, ge=1)
    pace_group_per_min: float = Field(default=20.0, ge=0)
    pace_global_per_s: float = Field(default=30.0, ge=0)
    # Retries of one request on 429 (waiting retry_after) and on network errors (backoff).
    max_retries: int = Field(default=5, ge=0)
    max_retry_after_s: float = Field(default=120.0, gt=0)


class ReminderSettings(BaseModel):
    """Reminders of a person's own deadlines (bot.reminders): patent paid until, registration
    ending, 90 days of stay."""

    enabled: bool = True
    days_before: tuple[int, ...] = (3, 1)  # reminders this many days before the deadline
    hour: int = Field(default=10, ge=6, le=20)  # local time of day in the person's country
    # The country the person is in (users.country) -> time zone; anything else: default_zone.
    zones: dict[str, str] = {"RU": "Europe/Moscow", "KZ": "Asia/Almaty", "TJ": "Asia/Dushanbe",
                             "UZ": "Asia/Tashkent"}
    default_zone: str = "Europe/Moscow"
    # Topic answers that get a "Remind me" button, and which kind of reminder it sets.
    topics: dict[str, Literal["patent", "registration", "stay"]] = {
        "docs_patent": "patent", "docs_patent_payment": "patent", "docs_registration": "registration",
        "docs_moscow_amina": "registration", "docs_stay_period": "stay"}
    max_per_person: int = Field(default=10, ge=1)
    interval_s: float = Field(default=30.0, gt=0)  # how often the worker looks for due reminders
    lease_s: float = Field(default=60.0, gt=0)  # a send left by a killed process is retried after this
    max_attempts: int = Field(default=8, ge=1)


class ConsoleSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    cookie_secure: bool = False  # set true behind HTTPS
    session_ttl_s: int = 8 * 3600


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HAMROH_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    default_lang: Literal["tg", "ru", "uz"] = "ru"
    # How many earlier events the engine reads back for context (risk, "did you mean").
    history_window: int = Field(default=10, ge=0)
    max_text_chars: int = Field(default=4000, ge=1)
    # Conversation events older than this are deleted (`hamroh serve` purges daily); /start
    # tells people this number. /forget deletes everything at once.
    retention_days: int = Field(default=90, ge=1)
    log_level: str = "INFO"
    log_json: bool = False

    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    content: ContentSettings = ContentSettings()
    nlu: NLUSettings = NLUSettings()
    telegram: TelegramSettings = TelegramSettings()
    console: ConsoleSettings = ConsoleSettings()
    hotline: HotlineSettings = HotlineSettings()
    ops: OpsSettings = OpsSettings()  # /healthz, /readyz, /metrics (bot.ops)
    inbox: InboxSettings = InboxSettings()  # misunderstood messages for editors (bot.inbox)
    reminders: ReminderSettings = ReminderSettings()  # bot.reminders
    campaigns: CampaignSettings = CampaignSettings()  # awareness campaigns (bot.campaigns)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        config_file = os.environ.get("HAMROH_CONFIG_FILE")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        sources.append(file_secret_settings)
        return tuple(sources)


def load_settings(**overrides: object) -> Settings:
    """Build the settings once, at start-up."""
    return Settings(**overrides)  # type: ignore[arg-type]
