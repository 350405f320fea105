"""inbox of misunderstood messages

`nlu_inbox`: messages that went to fallback or "did you mean", had low confidence, were
followed by a request for a person, or whose answer an operator corrected; redacted before
they are stored, with the language, the top-3 guesses, the risk level and the editor's label.
Deleted with the person (ON DELETE CASCADE) and after the retention period.

Revision ID: 0010_inbox
Revises: 0009_campaigns
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_inbox"
down_revision = "0009_campaigns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_inbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("guesses", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("risk", sa.String(16), nullable=False),
        sa.Column("label_kind", sa.String(16), nullable=True),
        sa.Column("label", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("labelled_by", sa.String(64), nullable=True),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_nlu_inbox_at", "nlu_inbox", ["at"])
    op.create_index("ix_nlu_inbox_user", "nlu_inbox", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_nlu_inbox_user", table_name="nlu_inbox")
    op.drop_index("ix_nlu_inbox_at", table_name="nlu_inbox")
    op.drop_table("nlu_inbox")
