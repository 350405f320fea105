"""hotline queue: operators, cases, events, messages (outbox), notes, audit, sessions, alerts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('queued', 'assigned')")
WAITING = sa.text("status = 'queued'")


def _ts(name: str, nullable: bool = True) -> sa.Column[dt.datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "hotline_operators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("teams", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        _ts("created_at", False),
        _ts("last_seen_at"),
    )
    op.create_table(
        "hotline_cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("transport", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("country", sa.String(8)),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("risk_rank", sa.Integer, nullable=False),
        sa.Column("indicators", sa.JSON, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("transcript", sa.JSON, nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("team", sa.String(48), nullable=False),
        sa.Column("preferred_team", sa.String(48), nullable=False),
        sa.Column("out_of_hours", sa.Boolean, nullable=False),
        sa.Column("assigned_to", sa.Integer,
                  sa.ForeignKey("hotline_operators.id", ondelete="SET NULL")),
        _ts("created_at", False), _ts("queued_at", False), _ts("first_assigned_at"), _ts("assigned_at"),
        _ts("closed_at"),
        sa.Column("outcome", sa.String(48)),
        sa.Column("tags", sa.JSON, nullable=False),
        _ts("sla_due_at", False), _ts("escalated_at"),
        sa.Column("told_position", sa.Integer),
        sa.Column("told_eta", sa.Integer),
        _ts("told_at"), _ts("last_message_at"),
        sa.Column("delivery_failed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_hotline_cases_queue", "hotline_cases", ["status", "team", "risk_rank", "queued_at"])
    op.create_index("uq_hotline_cases_open_user", "hotline_cases", ["user_id"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index("ix_hotline_cases_waiting", "hotline_cases", [sa.text("risk_rank DESC"), "queued_at", "id"],
                    sqlite_where=WAITING, postgresql_where=WAITING)
    op.create_table(
        "hotline_case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("hotline_cases.id", ondelete="CASCADE"),
                  nullable=False),
        _ts("at", False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("operator_id", sa.Integer),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_hotline_case_events_case", "hotline_case_events", ["case_id", "id"])
    op.create_table(
        "hotline_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("hotline_cases.id", ondelete="CASCADE"),
                  nullable=False),
        _ts("at", False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("operator_id", sa.Integer),
        sa.Column("transport", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("next_attempt_at"), _ts("lease_until"), _ts("sent_at"),
        sa.Column("error", sa.String(255)),
    )
    op.create_index("ix_hotline_messages_case", "hotline_messages", ["case_id", "id"])
    op.create_index("ix_hotline_messages_outbox", "hotline_messages", ["status", "id"])
    op.create_table(
        "hotline_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("hotline_cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("operator_id", sa.Integer),
        _ts("at", False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_hotline_notes_case_id", "hotline_notes", ["case_id"])
    op.create_table(
        "hotline_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        _ts("at", False),
        sa.Column("operator_id", sa.Integer),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_hotline_audit_at", "hotline_audit", ["at"])
    op.create_table(
        "hotline_console_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("operator_id", sa.Integer, sa.ForeignKey("hotline_operators.id", ondelete="CASCADE"),
                  nullable=False),
        _ts("created_at", False), _ts("expires_at", False),
    )
    op.create_table(
        "hotline_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        _ts("at", False),
        sa.Column("case_id", sa.Integer),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("acknowledged_by", sa.Integer),
        _ts("acknowledged_at"),
    )
    op.create_index("ix_hotline_alerts_at", "hotline_alerts", ["at"])


def downgrade() -> None:
    op.drop_index("ix_hotline_alerts_at", table_name="hotline_alerts")
    op.drop_table("hotline_alerts")
    op.drop_table("hotline_console_sessions")
    op.drop_index("ix_hotline_audit_at", table_name="hotline_audit")
    op.drop_table("hotline_audit")
    op.drop_index("ix_hotline_notes_case_id", table_name="hotline_notes")
    op.drop_table("hotline_notes")
    op.drop_index("ix_hotline_messages_outbox", table_name="hotline_messages")
    op.drop_index("ix_hotline_messages_case", table_name="hotline_messages")
    op.drop_table("hotline_messages")
    op.drop_index("ix_hotline_case_events_case", table_name="hotline_case_events")
    op.drop_table("hotline_case_events")
    op.drop_index("ix_hotline_cases_waiting", table_name="hotline_cases")
    op.drop_index("uq_hotline_cases_open_user", table_name="hotline_cases")
    op.drop_index("ix_hotline_cases_queue", table_name="hotline_cases")
    op.drop_table("hotline_cases")
    op.drop_table("hotline_operators")
