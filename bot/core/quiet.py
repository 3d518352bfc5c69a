"""Knowing when to stop saying yes: each connection's engagement since connecting, and which went quiet. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.model import TimedInteraction
from bot.core.scoring import decay
from bot.core.settings import Weights

MAX_LISTED = 20  # connections listed in one digest (one button each; Discord allows 25 per message)


class DigestEvery(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"

    @property
    def period(self) -> timedelta:
        return timedelta(days=7 if self is DigestEvery.WEEKLY else 30)


@dataclass(frozen=True, slots=True)
class ConnectionHistory:
    """One connection of a member: since when, and the interactions both ways since then."""

    partner_id: int
    since: datetime  # the later of the two follows: when the connection was made
    interactions: Sequence[TimedInteraction]


@dataclass(frozen=True, slots=True)
class ConnectionHealth:
    partner_id: int
    since: datetime
    score_out: float  # the member's engagement with the partner since connecting, decayed
    score_in: float  # the partner's engagement with the member
    last_interaction: datetime | None

    def quiet_for(self, now: datetime) -> timedelta:
        return now - (self.last_interaction or self.since)


def assess(histories: Iterable[ConnectionHistory], member_id: int, weights: Weights, half_life_days: float,
           now: datetime) -> list[ConnectionHealth]:
    """Each connection's decayed engagement each way since it was made, quietest first."""
    healths = []
    for history in histories:
        scores = {True: 0.0, False: 0.0}
        last: datetime | None = None
        for interaction in history.interactions:
            if interaction.occurred_at < history.since:
                continue
            age = (now - interaction.occurred_at).total_seconds()
            scores[interaction.actor_id == member_id] += weights.of(interaction.kind) * decay(age, half_life_days)
            last = interaction.occurred_at if last is None else max(last, interaction.occurred_at)
        healths.append(ConnectionHealth(history.partner_id, history.since, scores[True], scores[False], last))
    return sorted(healths, key=lambda health: (-health.quiet_for(now), health.partner_id))


def gone_quiet(healths: Iterable[ConnectionHealth], quiet_days: int, now: datetime) -> list[ConnectionHealth]:
    """Connections with no engagement either way for `quiet_days` days (counted from connecting if none ever)."""
    return [health for health in healths if health.quiet_for(now) >= timedelta(days=quiet_days)]


def digest_due(every: DigestEvery, last_sent: datetime, now: datetime) -> bool:
    """`last_sent` is when the member subscribed until the first digest goes out."""
    return now - last_sent >= every.period


def describe_health(health: ConnectionHealth, now: datetime) -> str:
    """One line per connection; mentions render as names and the caller sends them without pings."""
    quiet = health.quiet_for(now).days
    activity = "no engagement either way yet" if health.last_interaction is None else (
        f"last engagement {quiet} day{'s' if quiet != 1 else ''} ago")
    return (f"<@{health.partner_id}> (connected <t:{int(health.since.timestamp())}:d>): you → them "
            f"{health.score_out:.1f}, them → you {health.score_in:.1f}; {activity}")


def render_digest(quiet: Sequence[ConnectionHealth], quiet_days: int, now: datetime) -> str:
    if not quiet:
        return f"None of your connections here has gone quiet for {quiet_days} days. Nothing to do."
    lines = [f"**Connections quiet for {quiet_days} days or more** (engagement since connecting, decayed):"]
    lines += [f"{number}. {describe_health(health, now)}" for number, health in enumerate(quiet[:MAX_LISTED], 1)]
    if len(quiet) > MAX_LISTED:
        lines.append(f"…and {len(quiet) - MAX_LISTED} more; unfollow some and ask again for the rest.")
    lines.append("Unfollowing is silent: the other member is never told.")
    return "\n".join(lines)
