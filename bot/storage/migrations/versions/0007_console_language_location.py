"""console: each operator's language, who said where the person is, audit filters

`hotline_operators.locale`: the console's language an operator chose (ru, tg, uz, en; NULL
is the default, Russian). `hotline_cases.country_source`: who gave the country of an open
case ("profile": the bot's record, "person": the person answered, "operator": corrected in
the console). Indexes let the supervisor's audit page filter by case, operator and action.

Plain ADD/DROP COLUMN (SQLite 3.35+), so 0006's AUTOINCREMENT tables are not rebuilt.

Revision ID: 0007_console_language_location
Revises: 0006
Create Date: 2026-12-20
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_console_language_location"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (("ix_hotline_audit_case", "case_id"), ("ix_hotline_audit_operator", "operator_id"),
           ("ix_hotline_audit_action", "action"))


def upgrade() -> None:
    op.add_column("hotline_operators", sa.Column("locale", sa.String(8), nullable=True))
    op.add_column("hotline_cases", sa.Column("country_source", sa.String(16), nullable=False,
                                             server_default="profile"))
    for name, column in INDEXES:
        op.create_index(name, "hotline_audit", [column, "id"])


def downgrade() -> None:
    for name, _column in INDEXES:
        op.drop_index(name, table_name="hotline_audit")
    op.drop_column("hotline_cases", "country_source")
    op.drop_column("hotline_operators", "locale")
