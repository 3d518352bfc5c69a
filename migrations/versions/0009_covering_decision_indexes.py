"""covering decision indexes: the pair and actor indexes also hold kind and channel

A decision reads the pair's interactions (actor, kind, time) and the target's latest channels; with `kind`
and `channel_id` in the indexes those reads never visit the table, so a decision costs the same at 10M
stored events as at 1M (issue #12, bench/README.md "decide").

Revision ID: 0009_covering_decision_indexes
Revises: 0008_one_pending_request
Create Date: 2026-12-05 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_covering_decision_indexes"
down_revision: str | None = "0008_one_pending_request"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "interaction_events"
BEFORE = {"ix_interaction_events_pair": ["guild_id", "actor_id", "target_id", "occurred_at"],
          "ix_interaction_events_actor": ["guild_id", "actor_id", "occurred_at"]}
AFTER = {"ix_interaction_events_pair": [*BEFORE["ix_interaction_events_pair"], "kind"],
         "ix_interaction_events_actor": [*BEFORE["ix_interaction_events_actor"], "channel_id"]}


def _replace(indexes: dict[str, list[str]]) -> None:
    for name, columns in indexes.items():
        op.drop_index(name, table_name=TABLE)
        op.create_index(name, TABLE, columns)


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    _replace(BEFORE)
