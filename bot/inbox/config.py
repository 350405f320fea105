"""The inbox's settings (`HAMROH_INBOX__...`), a section of `bot.settings.Settings`."""

from __future__ import annotations

from pydantic import BaseModel, Field


class InboxSettings(BaseModel):
    # Capture misunderstood messages (redacted) for the editors' inbox.
    enabled: bool = True
    # A confident match under this confidence is captured too ("low_confidence").
    low_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    # A request for a person within this many of the person's next messages marks the
    # messages before it ("handoff").
    handoff_turns: int = Field(default=2, ge=0, le=10)
    # How many rows one inbox page lists (groups of near-duplicates).
    page_size: int = Field(default=200, ge=10, le=2000)
