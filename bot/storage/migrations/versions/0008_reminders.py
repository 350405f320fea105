"""reminders of the person's own deadlines

(Placeholder in the chain; the feature's author fills in the tables.)

Revision ID: 0008_reminders
Revises: 0007_console_language_location
Create Date: 2026-12-04
"""

revision = "0008_reminders"
down_revision = "0007_console_language_location"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
