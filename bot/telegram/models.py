"""Tables of the Telegram transport (migration 0003): webhook updates stored before they
are acknowledged, and the operators' forum topic of each hotline case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class StoredUpdate(Base):
    """An update (webhook or polling), committed before Telegram gets its 200 (or, polling,
    before the next getUpdates confirms it) so a crash cannot lose it.

    The payload (the person's message) is cleared once handled; the row is kept a day so
    that a redelivered update_id is recognised, then purged. An update that keeps failing
    is dead-lettered (`dead`) and keeps its payload for inspection a limited time."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | dead
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The lease: renewed by a heartbeat while a process handles the update.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # After a failure: not retried before this (exponential backoff). Migration 0005.
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    error: Mapped[str | None] = mapped_column(String(255), default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class ForumTopic(Base):
    """The operators' forum topic that mirrors one hotline case."""

    __tablename__ = "telegram_topics"
    __table_args__ = (UniqueConstraint("case_id", name="uq_telegram_topics_case"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(BigInteger)
    external_id: Mapped[str] = mapped_column(String(64))  # the person's Telegram chat id
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OperatorLink(Base):
    """A hotline operator account's Telegram user, so claim/close/reply in the forum act
    as that operator (members of the group without a link can only read)."""

    __tablename__ = "telegram_operator_links"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # FK to hotline_operators in the migration; not here: that table lives in another metadata.
    operator_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoffFile(Base):
    """A file the person sent during a handoff: the console lists them and opens one through
    the bot (getFile). Deleted with the case (FK in the migration)."""

    __tablename__ = "telegram_files"
    __table_args__ = (Index("ix_telegram_files_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    media_type: Mapped[str] = mapped_column(String(24))
    file_id: Mapped[str] = mapped_column(String(255))
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    mime_type: Mapped[str | None] = mapped_column(String(128), default=None)
    caption: Mapped[str] = mapped_column(Text, default="")
