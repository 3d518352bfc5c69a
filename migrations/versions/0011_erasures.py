"""erasures: who erased their data in a server, and when

/forget-me (and the purge of a member who left) deletes every row about a member, but the bot may read the
same channel history again later: a catch-up after a gap, a moderator's backfill. This table keeps only the
member's id and the time of the erasure, so history from before it is never recorded again.

Revision ID: 0011_erasures
Revises: 0010_overview_index
Create Date: 2026-12-05 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_erasures"
down_revision: str | None = "0010_overview_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("guild_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_erasures")),
    )


def downgrade() -> None:
    op.drop_table("erasures")
