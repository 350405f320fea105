"""Campaign settings (`HAMROH_CAMPAIGNS__*`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CampaignSettings(BaseModel):
    # Campaign messages a second, below Telegram's ~30/s for the whole bot: the rest is left
    # to answers and operators' replies.
    per_s: float = Field(default=20.0, gt=0)
    # Tokens of the bot's global bucket a campaign never takes: kept for replies and answers.
    reserve: float = Field(default=5.0, ge=0)
    parallel: int = Field(default=4, ge=1)  # requests in flight at once
    lease_s: float = Field(default=60.0, gt=0)  # a claim left by a killed process runs out
    batch: int = Field(default=200, ge=1)
    max_attempts: int = Field(default=3, ge=1)  # network errors and the like
    interval_s: float = Field(default=5.0, gt=0)  # how often `hamroh serve` looks for work
    # Campaign send times without an offset are in this time zone (the hotline's).
    timezone: str = "Europe/Moscow"
    press_window_days: int = Field(default=7, ge=1)  # button presses counted after a send
