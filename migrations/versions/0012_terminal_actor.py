"""terminal actor: the audit log tells the terminal (-1) from a forgotten member (0)

Both used to be recorded as actor 0. Old entries cannot always be told apart: a backfill started from the
terminal and one started by a moderator who later asked to be forgotten look the same. Backfills are the only
entries the terminal ever made, and a forgotten moderator's are rare, so old backfill entries by actor 0 are
taken to be the terminal's; every other entry by 0 stays a forgotten member's.

Revision ID: 0012_terminal_actor
Revises: 0011_erasures
Create Date: 2026-12-05 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_terminal_actor"
down_revision: str | None = "0011_erasures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILLS = "('backfill_started', 'backfill_resumed')"


def upgrade() -> None:
    op.execute(f"UPDATE audit_log SET actor_id = -1 WHERE actor_id = 0 AND action IN {BACKFILLS}")


def downgrade() -> None:
    op.execute("UPDATE audit_log SET actor_id = 0 WHERE actor_id = -1")
