"""Campaign tables, on `bot.storage.models.Base` (schema in migration 0009_campaigns).

No personal data is needed for figures: a delivery row keeps the person's id only until it is
settled or they use /forget (ON DELETE SET NULL), with the language and country the figures
are grouped by; presses keep no person at all.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow

# Delivery states. `unconfirmed`: claimed by a process that was killed before Telegram's
# answer was recorded; it is never sent again (no one gets a campaign twice).
QUEUED, SENDING, SENT, FAILED, BLOCKED, UNCONFIRMED, EXPIRED = (
    "queued", "sending", "sent", "failed", "blocked", "unconfirmed", "expired")
# Campaign states.
RUNNING, STOPPED, DONE = "running", "stopped", "done"


class CampaignRun(Base):
    """A campaign that was queued (scheduled ones have no row until their time)."""

    __tablename__ = "campaign_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the YAML file's id
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    queued_by: Mapped[str] = mapped_column(String(32), default="cli")  # cli | scheduler | console


class CampaignDelivery(Base):
    """One person of one campaign's audience: sent once, or not at all."""

    __tablename__ = "campaign_deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "user_id", name="uq_campaign_deliveries_person"),
        Index("ix_campaign_deliveries_todo", "campaign_id", "status", "id"),
        {"sqlite_autoincrement": True},  # ids never reused (as 0006 made every table)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaign_runs.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lang: Mapped[str] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(8), default="")  # "" = unknown
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    error: Mapped[str | None] = mapped_column(String(250), default=None)


class CampaignPress(Base):
    """A button of a campaign pressed within the window after its send (no person kept)."""

    __tablename__ = "campaign_presses"
    __table_args__ = (Index("ix_campaign_presses_campaign", "campaign_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaign_runs.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(8), default="")
    topic: Mapped[str] = mapped_column(String(48))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
