"""awareness campaigns and news consent

(Placeholder in the chain; the feature's author fills in the tables.)

Revision ID: 0009_campaigns
Revises: 0008_reminders
Create Date: 2026-12-04
"""

revision = "0009_campaigns"
down_revision = "0008_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
