"""overview index: a server's demands by time, covering outcome and requester

The dashboard's overview counts a server's demands per day and outcome and per requester over a time
range; with (guild_id, created_at, outcome, requester_id) those counts are one index range scan that never
visits the table, so the page costs the same with a year of demands as with a day (bench "dashboard").

Revision ID: 0010_overview_index
Revises: 0009_covering_decision_indexes
Create Date: 2026-12-05 18:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_overview_index"
down_revision: str | None = "0009_covering_decision_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_demands_overview", "demands", ["guild_id", "created_at", "outcome", "requester_id"])


def downgrade() -> None:
    op.drop_index("ix_demands_overview", table_name="demands")
