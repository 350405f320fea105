"""reminders of the person's own deadlines

`reminders`: a person's deadline (patent paid until, registration ends, entry date for the
90 days) and the deadline worked out from it; `reminder_sends`: the reminder messages, an
outbox sent once under a lease (bot.reminders). Both go with the person (ON DELETE CASCADE,
and /forget deletes them explicitly).

Revision ID: 0008_reminders
Revises: 0007_console_language_location
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_reminders"
down_revision = "0007_console_language_location"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reminders_user_id", "reminders", ["user_id"])
    op.create_table(
        "reminder_sends",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reminder_id", sa.Integer(), sa.ForeignKey("reminders.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("days_before", sa.SmallInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(255), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reminder_sends_reminder_id", "reminder_sends", ["reminder_id"])
    op.create_index("ix_reminder_sends_user_id", "reminder_sends", ["user_id"])
    op.create_index("ix_reminder_sends_due", "reminder_sends", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_reminder_sends_due", table_name="reminder_sends")
    op.drop_index("ix_reminder_sends_user_id", table_name="reminder_sends")
    op.drop_index("ix_reminder_sends_reminder_id", table_name="reminder_sends")
    op.drop_table("reminder_sends")
    op.drop_index("ix_reminders_user_id", table_name="reminders")
    op.drop_table("reminders")
