"""one pending consent request per pair, enforced by a unique partial index

Two processes (or two quick demands) could each find no request waiting and both open one. Requests
already duplicated keep their oldest; the later ones are marked expired, as their buttons then say.

Revision ID: 0008_one_pending_request
Revises: 0007_catch_up_edges
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_one_pending_request"
down_revision: str | None = "0007_catch_up_edges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")
EXPIRE_DUPLICATES = """
UPDATE connection_requests SET status = 'expired', decided_at = created_at
WHERE status = 'pending' AND id NOT IN (
    SELECT MIN(id) FROM connection_requests WHERE status = 'pending' GROUP BY guild_id, requester_id, target_id)
"""


def upgrade() -> None:
    op.execute(EXPIRE_DUPLICATES)
    op.create_index("uq_connection_requests_pending", "connection_requests", ["guild_id", "requester_id", "target_id"],
                    unique=True, postgresql_where=PENDING, sqlite_where=PENDING)


def downgrade() -> None:
    op.drop_index("uq_connection_requests_pending", table_name="connection_requests")
