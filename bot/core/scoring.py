"""Turning a pair's stored history (facts, read by storage) into counts and time-decayed scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.model import (
    DirectionSummary,
    InteractionKind,
    PairSummary,
    PastDemand,
    Preferences,
    TimedInteraction,
)
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


@dataclass(frozen=True, slots=True)
class HistorySpan:
    """How far back a decision made at `until` reads: interactions since `since`, demands since `demands_since`."""

    since: datetime
    demands_since: datetime
    until: datetime


def span_for(policy: Policy, now: datetime) -> HistorySpan:
    # The cooldown and the daily cap both look back at the requester's recent demands.
    return HistorySpan(now - timedelta(days=policy.window_days),
                       now - max(timedelta(minutes=policy.cooldown_minutes), timedelta(days=1)), now)


@dataclass(frozen=True, slots=True)
class PairHistory:
    """What storage holds about a pair over one span: facts, for the core to judge."""

    guild_id: int
    requester_id: int
    target_id: int
    span: HistorySpan
    interactions: Sequence[TimedInteraction]  # both directions inside the span
    standing: RequesterStanding
    target_preferences: Preferences
    recent_demands: Sequence[PastDemand]  # the requester's, since `span.demands_since`


def summarize(history: PairHistory, policy: Policy) -> PairSummary:
    """Counts and time-decayed scores in both directions, as the policy sees the pair at `span.until`."""
    requester_id, standing, now = history.requester_id, history.standing, history.span.until
    counts: dict[bool, Counter[InteractionKind]] = {True: Counter(), False: Counter()}
    scores = {True: 0.0, False: 0.0}
    first: datetime | None = None
    last: datetime | None = None
    for interaction in history.interactions:
        outgoing = interaction.actor_id == requester_id
        counts[outgoing][interaction.kind] += 1
        age = (now - interaction.occurred_at).total_seconds()
        scores[outgoing] += policy.weights.of(interaction.kind) * decay(age, policy.half_life_days)
        first = interaction.occurred_at if first is None else min(first, interaction.occurred_at)
        last = interaction.occurred_at if last is None else max(last, interaction.occurred_at)
    days_known = (now - standing.first_seen).total_seconds() / SECONDS_PER_DAY if standing.first_seen else 0.0
    return PairSummary(
        guild_id=history.guild_id,
        requester_id=requester_id,
        target_id=history.target_id,
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
