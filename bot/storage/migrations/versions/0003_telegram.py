"""telegram: stored webhook updates, forum topics, operator links, files sent in a handoff

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_telegram_updates_status", "telegram_updates", ["status", "update_id"])
    op.create_table(
        "telegram_topics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("thread_id", sa.BigInteger, nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("case_id", name="uq_telegram_topics_case"),
    )
    op.create_index("ix_telegram_topics_thread", "telegram_topics", ["chat_id", "thread_id"])
    op.create_table(
        "telegram_operator_links",
        sa.Column("telegram_user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("operator_id", sa.Integer,
                  sa.ForeignKey("hotline_operators.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "telegram_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer,
                  sa.ForeignKey("hotline_cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("media_type", sa.String(24), nullable=False),
        sa.Column("file_id", sa.String(255), nullable=False),
        sa.Column("file_name", sa.String(255)),
        sa.Column("mime_type", sa.String(128)),
        sa.Column("caption", sa.Text, nullable=False),
    )
    op.create_index("ix_telegram_files_case", "telegram_files", ["case_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_telegram_files_case", table_name="telegram_files")
    op.drop_table("telegram_files")
    op.drop_table("telegram_operator_links")
    op.drop_index("ix_telegram_topics_thread", table_name="telegram_topics")
    op.drop_table("telegram_topics")
    op.drop_index("ix_telegram_updates_status", table_name="telegram_updates")
    op.drop_table("telegram_updates")
