"""reply due: a demand's answer stored but not yet known to be sent

A process killed between recording a verdict and delivering its reply left the demand unanswered for good:
catch-up reads history after the last recorded message, and that is the demand itself. Now each demand that
gets a public reply is recorded with `reply_due` set, cleared once the reply was delivered or given up; the
next session sends the fresh ones still due (with the same nonce, so Discord posts a reply only once).
Existing demands were answered (or left) long ago: none is due.

Revision ID: 0013_reply_due
Revises: 0012_terminal_actor
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_reply_due"
down_revision: str | None = "0012_terminal_actor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As each dialect renders the query's `WHERE reply_due`, so that the partial index serves it.
REPLY_DUE_PG, REPLY_DUE_SQLITE = sa.text("reply_due"), sa.text("reply_due = 1")


def upgrade() -> None:
    # A plain ADD COLUMN: batch mode would copy the table on SQLite and lose its AUTOINCREMENT (0006).
    op.add_column("demands", sa.Column("reply_due", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index("ix_demands_reply_due", "demands", ["guild_id", "created_at"],
                    postgresql_where=REPLY_DUE_PG, sqlite_where=REPLY_DUE_SQLITE)


def downgrade() -> None:
    op.drop_index("ix_demands_reply_due", table_name="demands")
    with op.batch_alter_table("demands", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("reply_due")
