"""Tables of the hotline queue, in their own metadata (migration 0002_hotline).

A person is referenced by the `users.id` integer and (transport, external_id), never by an
ORM relationship, so this package does not depend on the bot's models. The foreign keys to
`users` live in the migration: deleting a person (/forget) deletes their cases with them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    literal_column,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

OPEN_STATUSES = ("queued", "assigned")
RISK_RANK = {"high": 2, "elevated": 1}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def risk_rank(level: str) -> int:
    return RISK_RANK.get(level, 0)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Always UTC and always aware: SQLite hands back naive values, PostgreSQL aware ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        # SQLite compares the stored text, so store every value the same way (naive UTC).
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON,
                                                     dt.datetime: UTCDateTime}


class Operator(Base):
    __tablename__ = "hotline_operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="operator")  # operator | supervisor
    teams: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # The console's language for this operator (ru, tg, uz, en); None: the default (0007).
    locale: Mapped[str | None] = mapped_column(String(8), default=None)

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


class Case(Base):
    __tablename__ = "hotline_cases"
    __table_args__ = (
        Index("ix_hotline_cases_queue", "status", "team", "risk_rank", "queued_at"),
        # The waiting cases in priority order: "take the next case" reads the first row.
        Index("ix_hotline_cases_waiting", text("risk_rank DESC"), "queued_at", "id",
              sqlite_where=text("status = 'queued'"), postgresql_where=text("status = 'queued'")),
        # One open case per person: a retried "talk to a person" cannot queue them twice.
        Index("uq_hotline_cases_open_user", "user_id", unique=True,
              sqlite_where=text("status IN ('queued', 'assigned')"),
              postgresql_where=text("status IN ('queued', 'assigned')")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    transport: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    # Where the person is now. `country_source` says who said so (0007): "profile" (the bot's
    # record when the case opened: it may be a place the person only asked about), "person"
    # (they answered "where are you now?") or "operator" (corrected in the console).
    country: Mapped[str | None] = mapped_column(String(8), default=None)
    country_source: Mapped[str] = mapped_column(String(16), default="profile")
    level: Mapped[str] = mapped_column(String(16), default="none")
    risk_rank: Mapped[int] = mapped_column(Integer, default=0)
    indicators: Mapped[list[Any]] = mapped_column(default=list)
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    transcript: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    team: Mapped[str] = mapped_column(String(48))
    preferred_team: Mapped[str] = mapped_column(String(48))
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_to: Mapped[int | None] = mapped_column(
        ForeignKey("hotline_operators.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # wait measured from here
    first_assigned_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(48), default=None)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    sla_due_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    told_position: Mapped[int | None] = mapped_column(Integer, default=None)
    told_eta: Mapped[int | None] = mapped_column(Integer, default=None)
    told_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_message_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    delivery_failed: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def case_is_open() -> ColumnElement[bool]:
    """`status IN ('queued', 'assigned')` with the values in the SQL text, not bound: the
    statement is compiled once (no list expanded per execution), and PostgreSQL can match it
    to the partial unique index `uq_hotline_cases_open_user` even in a generic plan."""
    return Case.status.in_([literal_column(f"'{status}'") for status in OPEN_STATUSES])


class CaseEvent(Base):
    """Every transition of a case: what, who and when."""

    __tablename__ = "hotline_case_events"
    __table_args__ = (Index("ix_hotline_case_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_cases.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(80))  # "person", "system", "operator:<username>"
    operator_id: Mapped[int | None] = mapped_column(Integer, default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Message(Base):
    """Both directions of a handed-off conversation; operator replies double as the outbox."""

    __tablename__ = "hotline_messages"
    __table_args__ = (Index("ix_hotline_messages_case", "case_id", "id"),
                      Index("ix_hotline_messages_outbox", "status", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_cases.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    direction: Mapped[str] = mapped_column(String(8))  # in | out (operator) | system (notice)
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    operator_id: Mapped[int | None] = mapped_column(Integer, default=None)
    transport: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    # received (in) | pending -> sending -> sent | failed (out, system)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    lease_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(String(255), default=None)
    # A long reply goes out in several parts: those already sent are not sent again (0005).
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)


class Note(Base):
    """Private notes of operators on a case; never sent to the person."""

    __tablename__ = "hotline_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_cases.id", ondelete="CASCADE"), index=True)
    operator_id: Mapped[int | None] = mapped_column(Integer, default=None)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """Every operator action in the console (kept when a case is deleted: ids only)."""

    __tablename__ = "hotline_audit"
    # The supervisor's audit page filters by case, operator and action (0007).
    __table_args__ = (Index("ix_hotline_audit_case", "case_id", "id"),
                      Index("ix_hotline_audit_operator", "operator_id", "id"),
                      Index("ix_hotline_audit_action", "action", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    operator_id: Mapped[int | None] = mapped_column(Integer, default=None)
    username: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(Integer, default=None)
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ConsoleSession(Base):
    __tablename__ = "hotline_console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("hotline_operators.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()


class Alert(Base):
    """An SLA breach (or another event) for supervisors; shown in the console."""

    __tablename__ = "hotline_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    case_id: Mapped[int | None] = mapped_column(Integer, default=None)
    kind: Mapped[str] = mapped_column(String(24))
    message: Mapped[str] = mapped_column(Text)
    acknowledged_by: Mapped[int | None] = mapped_column(Integer, default=None)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(default=None)
