"""ids are never reused; a purged case can let go of the person

SQLite: every table with an integer id is rebuilt with AUTOINCREMENT. Without it SQLite hands
out max(id)+1, so after /forget deleted the newest case (or person) the next one got the same
number: a supervisor alert or an audit row about the forgotten case then pointed at somebody
else's. The case sequence starts above every case id the audit, the alerts and the forum
still mention. PostgreSQL's sequences never reuse a value: nothing to do there.

Both: `hotline_cases.user_id` may be NULL. Retention clears it on a purged case (what is left
are the anonymous figures), so the person's `users` row can go too.

Runs with foreign keys off on SQLite (`bot.storage.db.migrate`): dropping the old table
must not cascade into the rows that reference it. The downgrade keeps both changes: 0005's
code works with them, and re-adding NOT NULL would need deleting purged cases.

Revision ID: 0006
Revises: 0005_updates_retry_outbox_parts
Create Date: 2026-12-06
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005_updates_retry_outbox_parts"
branch_labels = None
depends_on = None

TABLES = ("users", "events", "handoff_requests", "hotline_operators", "hotline_cases",
          "hotline_case_events", "hotline_messages", "hotline_notes", "hotline_audit",
          "hotline_console_sessions", "hotline_alerts", "telegram_topics", "telegram_files")
# Where a case id is still quoted after the case itself is gone.
CASE_ID_REFERENCES = (("hotline_audit", "case_id"), ("hotline_alerts", "case_id"),
                      ("telegram_topics", "case_id"), ("telegram_files", "case_id"))


def _autoincrement_ddl(table: str, ddl: str) -> str:
    new = re.sub(r"^CREATE TABLE\s+(\"?)\w+\1", f'CREATE TABLE "_new_{table}"', ddl, count=1)
    new, n_col = re.subn(r"(\n\s*)id INTEGER NOT NULL\s*,", r"\1id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,",
                         new, count=1)
    new, n_pk = re.subn(r",\s*PRIMARY KEY \(id\)", "", new, count=1)
    if table == "hotline_cases":
        new = re.sub(r"(\n\s*)user_id INTEGER NOT NULL", r"\1user_id INTEGER", new, count=1)
    if n_col != 1 or n_pk != 1:
        raise RuntimeError(f"0006: unexpected schema of {table}, not rebuilt:\n{ddl}")
    return new


def _rebuild(conn: sa.Connection, table: str) -> None:
    ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (table,)).scalar()
    if ddl is None or "AUTOINCREMENT" in ddl.upper():
        return
    indexes = [row[0] for row in conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,)).all()]
    conn.exec_driver_sql(_autoincrement_ddl(table, ddl))
    conn.exec_driver_sql(f'INSERT INTO "_new_{table}" SELECT * FROM "{table}"')
    conn.exec_driver_sql(f'DROP TABLE "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "_new_{table}" RENAME TO "{table}"')
    for index in indexes:
        conn.exec_driver_sql(index)


def _seed_case_sequence(conn: sa.Connection) -> None:
    top = max([conn.exec_driver_sql(f'SELECT coalesce(max("{col}"), 0) FROM "{table}"').scalar() or 0
               for table, col in (("hotline_cases", "id"), *CASE_ID_REFERENCES)])
    if not top:
        return
    updated = conn.exec_driver_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'hotline_cases'",
                                   (top,)).rowcount
    if not updated:
        conn.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('hotline_cases', ?)", (top,))


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        op.alter_column("hotline_cases", "user_id", existing_type=sa.Integer, nullable=True)
        return
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("0006 rebuilds tables: run it through bot.storage.db.migrate "
                           "(foreign keys off, or dropping a table would cascade)")
    for table in TABLES:
        _rebuild(conn, table)
    _seed_case_sequence(conn)


def downgrade() -> None:
    """Nothing to undo (see the module text)."""
