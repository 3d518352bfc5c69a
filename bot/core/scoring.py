"""Turning a pair's raw interactions into counts and time-decayed scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.core.model import DirectionSummary, InteractionKind, PairSummary, TimedInteraction
from bot.core.settings import Policy

SECONDS_PER_DAY = 86_400.0


def decay(age_seconds: float, half_life_days: float) -> float:
    """Weight of an interaction `age_seconds` old: 1 now, 1/2 after one half-life."""
    return float(0.5 ** (max(age_seconds, 0.0) / (half_life_days * SECONDS_PER_DAY)))


@dataclass(frozen=True, slots=True)
class RequesterStanding:
    activity: int
    first_seen: datetime | None
    follows_target: bool
    followed_by_target: bool
    target_top_channel_id: int | None
    target_new_connections: int = 0


def summarize(
    guild_id: int,
    requester_id: int,
    target_id: int,
    *,
    interactions: Iterable[TimedInteraction],
    standing: RequesterStanding,
    policy: Policy,
    now: datetime,
) -> PairSummary:
    counts: dict[bool, Counter[InteractionKind]] = {True: Counter(), False: Counter()}
    scores = {True: 0.0, False: 0.0}
    first: datetime | None = None
    last: datetime | None = None
    for interaction in interactions:
        outgoing = interaction.actor_id == requester_id
        counts[outgoing][interaction.kind] += 1
        age = (now - interaction.occurred_at).total_seconds()
        scores[outgoing] += policy.weights.of(interaction.kind) * decay(age, policy.half_life_days)
        first = interaction.occurred_at if first is None else min(first, interaction.occurred_at)
        last = interaction.occurred_at if last is None else max(last, interaction.occurred_at)
    days_known = (now - standing.first_seen).total_seconds() / SECONDS_PER_DAY if standing.first_seen else 0.0
    return PairSummary(
        guild_id=guild_id,
        requester_id=requester_id,
        target_id=target_id,
        window_days=policy.window_days,
        outgoing=DirectionSummary(dict(counts[True]), scores[True]),
        incoming=DirectionSummary(dict(counts[False]), scores[False]),
        first_interaction=first,
        last_interaction=last,
        requester_activity=standing.activity,
        requester_days_known=max(days_known, 0.0),
        requester_follows_target=standing.follows_target,
        target_follows_requester=standing.followed_by_target,
        target_top_channel_id=standing.target_top_channel_id,
        target_new_connections=standing.target_new_connections,
    )
