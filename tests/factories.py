"""Small builders for test data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from bot.core.model import Interaction, InteractionKind

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
GUILD = 1_000
_source_ids = count(10_000)


def interaction(
    actor: int, target: int, kind: InteractionKind = InteractionKind.REPLY, *, days_ago: float = 1.0,
    guild: int = GUILD, channel: int = 50, source: int | None = None, now: datetime = NOW,
) -> Interaction:
    return Interaction(
        guild_id=guild, actor_id=actor, target_id=target, kind=kind, channel_id=channel,
        source_id=next(_source_ids) if source is None else source,
        occurred_at=now - timedelta(days=days_ago),
    )
