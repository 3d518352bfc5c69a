"""exactly one demand per message and target; dead letters

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Demands answered twice before this version: keep the first record of each.
    op.execute(
        "DELETE FROM demands WHERE message_id IS NOT NULL AND id NOT IN ("
        "SELECT MIN(id) FROM demands WHERE message_id IS NOT NULL GROUP BY guild_id, message_id, target_id)"
    )
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_demands_source", ["guild_id", "message_id", "target_id"])
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ids", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )


def downgrade() -> None:
    op.drop_table("dead_letters")
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.drop_constraint("uq_demands_source", type_="unique")
