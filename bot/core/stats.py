"""A guild's demand statistics: per day, the outcome mix, the top requesters, connections made. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import assert_never

from bot.core.model import Outcome

# Outcomes grouped the way moderators think about them (and the chart colours them).
GROUPS: dict[str, tuple[Outcome, ...]] = {
    "connected": (Outcome.CONNECT,),
    "asked the target": (Outcome.PROPOSE,),
    "declined": (Outcome.DECLINE,),
    "other": (Outcome.ALREADY_FOLLOWING, Outcome.OPTED_OUT, Outcome.COOLDOWN, Outcome.SELF, Outcome.BOT,
              Outcome.QUOTA, Outcome.CAPPED),
}
# Each group's colour, the same in the PNG chart and on the dashboard.
GROUP_COLOURS = {"connected": "#2e9e5b", "asked the target": "#3b7dd8", "declined": "#d9822b", "other": "#9aa0a6"}
OWN_BAR = "target_own_bar"  # the reason code of a decline due to the target's own bar


def group_of(outcome: Outcome) -> str:
    """Every outcome has its group by construction: a new Outcome member fails `mypy` here (#10, bug 3)."""
    match outcome:
        case Outcome.CONNECT:
            return "connected"
        case Outcome.PROPOSE:
            return "asked the target"
        case Outcome.DECLINE:
            return "declined"
        case (Outcome.ALREADY_FOLLOWING | Outcome.OPTED_OUT | Outcome.COOLDOWN | Outcome.SELF | Outcome.BOT
              | Outcome.QUOTA | Outcome.CAPPED):
            return "other"
        case _:
            assert_never(outcome)


@dataclass(frozen=True, slots=True)
class DemandRow:
    created_at: datetime
    requester_id: int
    outcome: Outcome
    reason_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Stats:
    days: tuple[date, ...]  # oldest first, every day of the window, quiet days included
    per_day: dict[str, tuple[int, ...]]  # group -> demands per day, aligned with `days`
    outcomes: dict[Outcome, int]
    top_requesters: tuple[tuple[int, int], ...]  # (user id, demands), busiest first
    connections_on_the_spot: int  # connect verdicts
    connections_accepted: int  # proposals the target accepted
    own_bar_declines: int = 0  # declines due to the target's own bar (the server's default would not decline)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def connections(self) -> int:
        return self.connections_on_the_spot + self.connections_accepted


def compute(rows: Iterable[DemandRow], accepted: int, *, today: date, days: int, top: int = 5) -> Stats:
    """Statistics of the `days` days ending with `today` (UTC dates); rows outside are ignored."""
    first = today - timedelta(days=days - 1)
    per_day: Counter[tuple[date, Outcome]] = Counter()
    requesters: Counter[int] = Counter()
    own_bar = 0
    for row in rows:
        day = row.created_at.date()
        if first <= day <= today:
            per_day[day, row.outcome] += 1
            requesters[row.requester_id] += 1
            own_bar += row.outcome is Outcome.DECLINE and OWN_BAR in row.reason_codes
    busiest = sorted(requesters.items(), key=lambda item: (-item[1], item[0]))[:top]
    stats = from_counts(((day, outcome, n) for (day, outcome), n in per_day.items()), busiest, accepted,
                        today=today, days=days)
    return replace(stats, own_bar_declines=own_bar)


def from_counts(day_counts: Iterable[tuple[date, Outcome, int]], top_requesters: Iterable[tuple[int, int]],
                accepted: int, *, today: date, days: int) -> Stats:
    """The same statistics from counts the database already grouped by day and outcome (the dashboard's path)."""
    window = tuple(today - timedelta(days=offset) for offset in range(days - 1, -1, -1))
    index = {day: position for position, day in enumerate(window)}
    per_day = {group: [0] * days for group in GROUPS}
    outcomes: Counter[Outcome] = Counter()
    for day, outcome, count in day_counts:
        position = index.get(day)
        if position is None:
            continue
        per_day[group_of(outcome)][position] += count
        outcomes[outcome] += count
    return Stats(
        days=window,
        per_day={group: tuple(counts) for group, counts in per_day.items()},
        outcomes={outcome: outcomes[outcome] for outcome in Outcome if outcomes[outcome]},
        top_requesters=tuple(top_requesters),
        connections_on_the_spot=outcomes[Outcome.CONNECT],
        connections_accepted=accepted,
    )


def render(stats: Stats, *, mention: bool = True) -> str:
    """The text both `/quidpro stats` and `quidprono stats` print: short enough for one message."""
    first, last = stats.days[0], stats.days[-1]
    lines = [f"**Demands from {first.isoformat()} to {last.isoformat()}**: {stats.total}"]
    if stats.total == 0:
        lines.append("No follow-back demands in this period.")
        return "\n".join(lines)
    mix = ", ".join(f"{outcome.value} {count} ({100 * count / stats.total:.0f}%)"
                    for outcome, count in sorted(stats.outcomes.items(), key=lambda item: -item[1]))
    lines.append(f"Outcomes: {mix}")
    lines.append(f"Connections made: {stats.connections} ({stats.connections_on_the_spot} on the spot,"
                 f" {stats.connections_accepted} accepted when asked)")
    if line := members_own_choices(stats.own_bar_declines, stats.outcomes.get(Outcome.QUOTA, 0)):
        lines.append(line)
    people = ", ".join(f"{f'<@{user}>' if mention else user} ({count})" for user, count in stats.top_requesters)
    lines.append(f"Top requesters: {people}")
    lines.append("Per day (last 7): " + ", ".join(
        f"{day.strftime('%m-%d')} {sum(counts[i] for counts in stats.per_day.values())}"
        for i, day in list(enumerate(stats.days))[-7:]))
    return "\n".join(lines)


def members_own_choices(own_bar: int, quota: int, *, would: bool = False) -> str | None:
    """"3 declines were due to a member's own bar": what members' own bars and quotas changed, if anything."""
    verb = "would be" if would else ("was" if own_bar == 1 else "were")
    parts = []
    if own_bar:
        parts.append(f"{own_bar} decline{'s' if own_bar != 1 else ''} {verb} due to a member's own bar")
    if quota:
        verb = "would be" if would else ("was" if quota == 1 else "were")
        parts.append(f"{quota} answer{'s' if quota != 1 else ''} {verb} due to a member's weekly quota")
    return "; ".join(parts) + "." if parts else None
