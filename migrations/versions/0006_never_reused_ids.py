"""never-reused ids: AUTOINCREMENT on SQLite for demands, connection requests and the audit log

An erased demand freed its rowid, and the next demand took it: a Why? button under an erased answer
explained someone else's demand, and audit numbers repeated (issue #10, bug 4). PostgreSQL's
sequences never go back, so there this revision does nothing.

Revision ID: 0006_never_reused_ids
Revises: 0005_scale_out
Create Date: 2026-12-05 14:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_never_reused_ids"
down_revision: str | None = "0005_scale_out"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("demands", "connection_requests", "audit_log")


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        # SQLite cannot alter a table's key: batch mode copies it into one declared as wanted.
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
