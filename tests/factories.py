"""Small builders for test data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import TYPE_CHECKING

from bot.core.model import Interaction, InteractionKind, PairSummary
from bot.core.scoring import span_for, summarize
from bot.core.settings import Policy

if TYPE_CHECKING:
    from bot.storage import Store

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


async def pair_summary(store: Store, guild_id: int, requester_id: int, target_id: int, *, policy: Policy,
                       now: datetime) -> PairSummary:
    """What the live path computes for a pair: storage's facts, summarised by the core."""
    return summarize(await store.pair_history(guild_id, requester_id, target_id, span_for(policy, now)), policy)
