"""inbox of misunderstood messages

(Placeholder in the chain; the feature's author fills in the tables.)

Revision ID: 0010_inbox
Revises: 0009_campaigns
Create Date: 2026-12-04
"""

revision = "0010_inbox"
down_revision = "0009_campaigns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
