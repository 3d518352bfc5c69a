"""initial schema

Revision ID: 0001
Revises: nothing (the first revision)
Create Date: 2026-11-22 10:51:14.390244
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "demands",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("requester_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demands")),
    )
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.create_index("ix_demands_pair", ["guild_id", "requester_id", "target_id", "created_at"], unique=False)
        batch_op.create_index("ix_demands_requester", ["guild_id", "requester_id", "created_at"], unique=False)

    op.create_table(
        "follows",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("follower_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("followee_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "follower_id", "followee_id", name=op.f("pk_follows")),
    )
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
    op.create_table(
        "interaction_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interaction_events")),
        sa.UniqueConstraint(
            "guild_id", "source_id", "kind", "actor_id", "target_id", name="uq_interaction_events_source"
        ),
    )
    with op.batch_alter_table("interaction_events", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_events_actor", ["guild_id", "actor_id", "occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_interaction_events_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(
            "ix_interaction_events_pair", ["guild_id", "actor_id", "target_id", "occurred_at"], unique=False
        )

    op.create_table(
        "members",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requests_from", sa.String(length=16), nullable=False),
        sa.Column("auto_accept", sa.Boolean(), nullable=False),
        sa.Column("explain_via", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_members")),
    )


def downgrade() -> None:

    op.drop_table("members")
    with op.batch_alter_table("interaction_events", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_events_pair")
        batch_op.drop_index("ix_interaction_events_actor")
        batch_op.drop_index(batch_op.f("ix_interaction_events_occurred_at"))

    op.drop_table("interaction_events")
    op.drop_table("guild_settings")
    op.drop_table("follows")
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.drop_index("ix_demands_requester")
        batch_op.drop_index("ix_demands_pair")

    op.drop_table("demands")
