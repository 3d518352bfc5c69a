"""Small helpers the storage modules share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def aware(value: datetime) -> datetime:
    """Raw columns read through unions and subqueries skip the column type on SQLite: give them their zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def rowcount(result: Any) -> int:
    """Rows a statement changed; 0 where the driver cannot tell."""
    return max(int(getattr(result, "rowcount", 0) or 0), 0)
