"""Tables of the reminders (migration 0008): a person's deadlines, and the messages that
remind them (the outbox: each row is sent once, claimed under a lease)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class Reminder(Base):
    """One deadline of a person: `kind` (patent | registration | stay), the date they gave
    (paid until, registration ends, entry date) and the deadline worked out from it."""

    __tablename__ = "reminders"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReminderSend(Base):
    """One reminder message. pending -> sending (leased) -> sent | failed; a lease left by a
    killed process runs out and the message is sent by the next run (see bot.reminders.worker)."""

    __tablename__ = "reminder_sends"
    __table_args__ = (Index("ix_reminder_sends_due", "status", "due_at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    days_before: Mapped[int] = mapped_column(SmallInteger)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    error: Mapped[str | None] = mapped_column(String(255), default=None)
