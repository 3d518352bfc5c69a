"""catch-up edges: the last message recorded per channel, found by index

After a gap (a session that could not resume, a restart, kill -9) the bot reads each active channel's
history after the last message it recorded there: the newest post or demand of that channel, unless a
catch-up of that channel was interrupted (catchup_marks says where it got to).

Revision ID: 0007_catch_up_edges
Revises: 0006_never_reused_ids
Create Date: 2026-12-05 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_catch_up_edges"
down_revision: str | None = "0006_never_reused_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catchup_marks",
        sa.Column("guild_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("after_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "channel_id", name=op.f("pk_catchup_marks")),
    )
    op.create_index("ix_posts_channel", "posts", ["guild_id", "channel_id", "message_id"])
    op.create_index("ix_demands_channel", "demands", ["guild_id", "channel_id", "message_id"])


def downgrade() -> None:
    op.drop_index("ix_demands_channel", table_name="demands")
    op.drop_index("ix_posts_channel", table_name="posts")
    op.drop_table("catchup_marks")
