"""Tables for people and their conversations. Schema changes go through Alembic."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("transport", "external_id", name="uq_users_transport_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transport: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str | None] = mapped_column(String(8), default=None)
    lang_confirmed: Mapped[bool] = mapped_column(default=False)
    country: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Awareness campaigns (bot.campaigns): news only to people who said yes (off by default);
    # `blocked_at`: Telegram answered 403 (they blocked the bot), later campaigns skip them.
    news: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    news_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    blocked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)


# The person's messages that were rated elevated or high: a partial index keeps them apart
# from the everyday ones, so "their worst message in the last 30 days" reads a handful of rows.
# A query must repeat this condition word for word to use the index (SQLite's rule).
RISKY_INBOUND = "direction = 'in' AND risk <> 'none'"


class Event(Base):
    """One message in or out, with what the bot understood of it."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_user_at", "user_id", "id"),
        Index("ix_events_user_risky", "user_id", "at", sqlite_where=text(RISKY_INBOUND),
              postgresql_where=text(RISKY_INBOUND)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    kind: Mapped[str] = mapped_column(String(16))  # text | command | button | media | reply
    text: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str | None] = mapped_column(String(8), default=None)
    topic: Mapped[str | None] = mapped_column(String(48), default=None)
    confidence: Mapped[float | None] = mapped_column(Float, default=None)
    risk: Mapped[str] = mapped_column(String(16), default="none")
    indicators: Mapped[list[Any]] = mapped_column(default=list)
    evidence: Mapped[list[Any]] = mapped_column(default=list)


class HandoffRequest(Base):
    """A person asked for (or was offered and accepted) a human operator."""

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    level: Mapped[str] = mapped_column(String(16), default="none")
    indicators: Mapped[list[Any]] = mapped_column(default=list)
    transcript: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
