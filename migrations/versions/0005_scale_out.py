"""scale out: coordination marks, backfill leases, guild change notifications

Revision ID: 0005_scale_out
Revises: 0004_members_own_terms
Create Date: 2026-12-05 13:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_scale_out"
down_revision: str | None = "0004_members_own_terms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every writer (a bot process, the CLI, the dashboard) changing a guild's settings tells the others.
NOTIFY_FUNCTION = """
CREATE FUNCTION quidprono_guild_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('quidprono_guild_changed', COALESCE(NEW.guild_id, OLD.guild_id)::text);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER guild_settings_changed AFTER INSERT OR UPDATE OR DELETE ON guild_settings
FOR EACH ROW EXECUTE FUNCTION quidprono_guild_changed()
"""


def upgrade() -> None:
    op.create_table(
        "coordination_marks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_coordination_marks")),
    )
    op.create_table(
        "backfill_leases",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_backfill_leases")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS guild_settings_changed ON guild_settings")
        op.execute("DROP FUNCTION IF EXISTS quidprono_guild_changed()")
    op.drop_table("backfill_leases")
    op.drop_table("coordination_marks")
