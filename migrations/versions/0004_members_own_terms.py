"""members' own bar, weekly quota, stated terms and quiet-connections digest

Revision ID: 0004_members_own_terms
Revises: 0003
Create Date: 2026-12-05 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_members_own_terms"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bar", sa.String(length=16), server_default="balanced", nullable=False))
        batch_op.add_column(sa.Column("weekly_quota", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("terms", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("digest_every", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("digest_quiet_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        for column in ("digest_sent_at", "digest_quiet_days", "digest_every", "terms", "weekly_quota", "bar"):
            batch_op.drop_column(column)
