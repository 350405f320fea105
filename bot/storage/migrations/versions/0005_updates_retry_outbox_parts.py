"""telegram updates retried and dead-lettered; outbox messages sent in parts resume

telegram_updates gets `next_attempt_at` (backoff after a failure), `error` (why it failed)
and `finished_at` (when it was done or dead-lettered, for retention); status is now
pending | done | dead. hotline_messages gets `parts_sent`: how many parts of a long reply
already went out, so a retry resumes at the first unsent part.

Revision ID: 0005_updates_retry_outbox_parts
Revises: 0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_updates_retry_outbox_parts"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_updates") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("error", sa.String(255)))
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("hotline_messages") as batch:
        batch.add_column(sa.Column("parts_sent", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("hotline_messages") as batch:
        batch.drop_column("parts_sent")
    with op.batch_alter_table("telegram_updates") as batch:
        batch.drop_column("finished_at")
        batch.drop_column("error")
        batch.drop_column("next_attempt_at")
