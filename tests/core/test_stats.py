"""Statistics: days with zero demands included, the outcome mix, top requesters, connections."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.model import Outcome
from bot.core.stats import DemandRow, compute, render

TODAY = date(2026, 3, 10)


def row(days_ago: int, requester: int, outcome: Outcome, hour: int = 12) -> DemandRow:
    day = TODAY - timedelta(days=days_ago)
    return DemandRow(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), requester, outcome)


def test_counts_per_day_outcomes_and_requesters() -> None:
    rows = [row(0, 1, Outcome.DECLINE), row(0, 1, Outcome.DECLINE), row(0, 2, Outcome.CONNECT),
            row(2, 3, Outcome.PROPOSE), row(2, 1, Outcome.COOLDOWN), row(6, 2, Outcome.CONNECT, hour=0),
            row(7, 9, Outcome.DECLINE)]  # 7 days ago is outside a 7-day window
    stats = compute(rows, accepted=2, today=TODAY, days=7)
    assert stats.days == tuple(TODAY - timedelta(days=d) for d in range(6, -1, -1))
    assert stats.per_day["declined"] == (0, 0, 0, 0, 0, 0, 2)
    assert stats.per_day["connected"] == (1, 0, 0, 0, 0, 0, 1)
    assert stats.per_day["asked the target"] == (0, 0, 0, 0, 1, 0, 0)
    assert stats.per_day["other"] == (0, 0, 0, 0, 1, 0, 0)
    assert stats.outcomes == {Outcome.DECLINE: 2, Outcome.CONNECT: 2, Outcome.PROPOSE: 1, Outcome.COOLDOWN: 1}
    assert stats.total == 6
    assert stats.top_requesters == ((1, 3), (2, 2), (3, 1))
    assert (stats.connections_on_the_spot, stats.connections_accepted, stats.connections) == (2, 2, 4)


def test_render_names_what_moderators_look_for() -> None:
    stats = compute([row(0, 1, Outcome.DECLINE), row(1, 2, Outcome.CONNECT)], accepted=1, today=TODAY, days=30)
    text = render(stats)
    assert "**Demands from 2026-02-09 to 2026-03-10**: 2" in text
    assert "decline 1 (50%)" in text and "connect 1 (50%)" in text
    assert "Connections made: 2 (1 on the spot, 1 accepted when asked)" in text
    assert "Top requesters: <@1> (1), <@2> (1)" in text
    assert "03-09 1, 03-10 1" in text
    assert "Top requesters: 1 (1), 2 (1)" in render(stats, mention=False)


def test_a_quiet_server_says_so() -> None:
    stats = compute([], accepted=0, today=TODAY, days=30)
    assert stats.total == 0 and len(stats.days) == 30
    assert "No follow-back demands in this period." in render(stats)


def test_every_outcome_is_counted_including_capped_demands() -> None:
    today = date(2026, 12, 5)
    at = datetime(2026, 12, 5, 12, tzinfo=UTC)
    rows = [DemandRow(at, 1, outcome) for outcome in Outcome]
    stats = compute(rows, 0, today=today, days=1)
    assert stats.total == len(Outcome)
    assert sum(counts[0] for counts in stats.per_day.values()) == len(Outcome)
    assert stats.outcomes[Outcome.CAPPED] == 1


def test_10_3_every_outcome_is_counted_and_grouped() -> None:
    """`capped` (and any outcome) in the window made stats fail with KeyError; now each has its group."""
    from bot.core.model import Outcome as Every
    from bot.core.stats import GROUPS, DemandRow, compute, group_of

    today = date(2026, 11, 22)
    at = datetime(2026, 11, 22, 12, tzinfo=UTC)
    rows = [DemandRow(at, 1, outcome) for outcome in Every]
    stats = compute(rows, 0, today=today, days=7)
    assert stats.total == len(Every) and sum(counts[-1] for counts in stats.per_day.values()) == len(Every)
    assert all(outcome in GROUPS[group_of(outcome)] for outcome in Every)
