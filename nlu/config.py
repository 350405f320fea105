"""Settings of the understanding layer. The app nests them as `Settings.nlu`
(environment: `HAMROH_NLU__BACKEND=rasa`, `HAMROH_NLU__RASA_URL=...`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class NLUSettings(BaseModel):
    backend: Literal["embedded", "rasa"] = "embedded"
    data_dir: Path = Path("nlu/data")
    # The danger model's corpus: situations in people's own words and their look-alikes.
    situations_dir: Path = Path("nlu/situations")
    cache_dir: Path = Path(".cache/nlu")
    # Below this top confidence the message is treated as out of scope. Chosen by
    # cross-validation on the project's data (see `hamroh nlu test` reports).
    threshold: float = Field(default=0.35, ge=0.0, le=1.0)
    # When the top two intents are closer than this, the bot asks which one was meant.
    ambiguity_margin: float = Field(default=0.05, ge=0.0, le=1.0)
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_s: float = Field(default=0.8, gt=0.0)
