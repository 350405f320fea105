"""events: partial index on the person's risky messages (remembered danger)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The same text as bot.storage.models.RISKY_INBOUND: queries repeat it to use the index.
RISKY_INBOUND = sa.text("direction = 'in' AND risk <> 'none'")


def upgrade() -> None:
    op.create_index("ix_events_user_risky", "events", ["user_id", "at"],
                    sqlite_where=RISKY_INBOUND, postgresql_where=RISKY_INBOUND)


def downgrade() -> None:
    op.drop_index("ix_events_user_risky", table_name="events")
