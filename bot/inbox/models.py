"""The inbox table (migration 0010_inbox), declared on the bot's metadata.

A row is one message the bot did not understand well, already redacted: no phone, name,
passport, card or address is ever stored. It belongs to the person (`user_id`, ON DELETE
CASCADE), so /forget and the retention of people remove it with them; older rows go with the
retention period (`bot.inbox.repo.purge_old`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow

# Why a message is in the inbox.
REASONS = ("fallback", "did_you_mean", "low_confidence", "handoff", "corrected")
# What an editor said it is: an existing topic, out of scope, a danger indicator, a new topic.
LABEL_KINDS = ("topic", "out_of_scope", "danger", "new_topic")


class InboxItem(Base):
    __tablename__ = "nlu_inbox"
    __table_args__ = (
        Index("ix_nlu_inbox_at", "at"),
        Index("ix_nlu_inbox_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lang: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)  # redacted before it is stored
    key: Mapped[str] = mapped_column(String(200))  # near-duplicate group (normalised words)
    guesses: Mapped[list[Any]] = mapped_column(default=list)  # [[topic, confidence], ...] top 3
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    risk: Mapped[str] = mapped_column(String(16), default="none")
    label_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    label: Mapped[str | None] = mapped_column(String(64), default=None)  # topic id or indicator
    note: Mapped[str] = mapped_column(Text, default="")
    labelled_by: Mapped[str | None] = mapped_column(String(64), default=None)
    labelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
