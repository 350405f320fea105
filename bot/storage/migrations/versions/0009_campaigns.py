"""awareness campaigns and news consent

`users.news` (the person opted in to news; off by default), `users.news_changed_at`,
`users.blocked_at` (Telegram answered 403). `campaign_runs` (a queued campaign),
`campaign_deliveries` (one row per person per campaign: sent once or not at all) and
`campaign_presses` (button presses, without the person).

Revision ID: 0009_campaigns
Revises: 0008_reminders
Create Date: 2026-12-04
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0009_campaigns"
down_revision = "0008_reminders"
branch_labels = None
depends_on = None


def _at(name: str) -> sa.Column[dt.datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("news", sa.Boolean(), nullable=False, server_default=sa.text("false")))
    op.add_column("users", _at("news_changed_at"))
    op.add_column("users", _at("blocked_at"))
    op.create_table(
        "campaign_runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        _at("finished_at"), _at("expires_at"),
        sa.Column("queued_by", sa.String(32), nullable=False),
    )
    op.create_table(
        "campaign_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.String(32), sa.ForeignKey("campaign_runs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("lease_until"), _at("next_attempt_at"), _at("sent_at"),
        sa.Column("error", sa.String(250), nullable=True),
        sa.UniqueConstraint("campaign_id", "user_id", name="uq_campaign_deliveries_person"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_campaign_deliveries_todo", "campaign_deliveries", ["campaign_id", "status", "id"])
    op.create_table(
        "campaign_presses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.String(32), sa.ForeignKey("campaign_runs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("topic", sa.String(48), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_campaign_presses_campaign", "campaign_presses", ["campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_campaign_presses_campaign", table_name="campaign_presses")
    op.drop_table("campaign_presses")
    op.drop_index("ix_campaign_deliveries_todo", table_name="campaign_deliveries")
    op.drop_table("campaign_deliveries")
    op.drop_table("campaign_runs")
    # Plain DROP COLUMN (SQLite 3.35+), as in 0007: 0006's AUTOINCREMENT tables are not rebuilt.
    for column in ("blocked_at", "news_changed_at", "news"):
        op.drop_column("users", column)
