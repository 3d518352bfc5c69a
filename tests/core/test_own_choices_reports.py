"""Dry runs and stats say where members' own bars and quotas changed the answers."""

from __future__ import annotations

from datetime import timedelta

from bot.core.model import Bar, Outcome, Preferences
from bot.core.settings import Policy
from bot.core.simulate import Replay, describe, simulate
from bot.core.stats import DemandRow, compute, render
from tests.core.test_own_bar import pair
from tests.factories import NOW


def replay(prefs: Preferences, *, out: float = 5.0, into: float = 5.0, new_connections: int = 0) -> Replay:
    summary = pair(out, into, new_connections=new_connections)
    return Replay(Outcome.CONNECT, summary, summary, prefs, [], NOW, target_is_bot=False)


def test_a_dry_run_counts_declines_due_to_own_bars_and_answers_due_to_quotas() -> None:
    replays = [replay(Preferences(bar=Bar.STINGY)), replay(Preferences(bar=Bar.STINGY)), replay(Preferences()),
               replay(Preferences(weekly_quota=1), new_connections=1)]
    simulation = simulate(replays, Policy(), Policy(half_life_days=30))
    assert (simulation.own_bar, simulation.quota) == (2, 1)
    text = describe(simulation, "policy.half_life_days", "30", 30)
    assert ("Under it, 2 declines would be due to a member's own bar; 1 answer would be due to a member's weekly"
            " quota.") in text
    assert "own bar" not in describe(simulate([replay(Preferences())], Policy(), Policy()), "k", "v", 30)
    assert simulate([replay(Preferences())], Policy(), Policy()).own_bar == 0


def test_stats_say_how_many_declines_were_due_to_a_members_own_bar() -> None:
    rows = [DemandRow(NOW, 1, Outcome.DECLINE, ("target_own_bar", "not_enough_engagement")) for _ in range(3)]
    rows += [DemandRow(NOW, 2, Outcome.DECLINE, ("not_enough_engagement",)), DemandRow(NOW, 3, Outcome.QUOTA),
             DemandRow(NOW - timedelta(days=40), 1, Outcome.DECLINE, ("target_own_bar",))]  # outside the window
    stats = compute(rows, 0, today=NOW.date(), days=30)
    assert stats.own_bar_declines == 3
    assert "3 declines were due to a member's own bar; 1 answer was due to a member's weekly quota." in render(stats)
    assert "own bar" not in render(compute(rows[3:4], 0, today=NOW.date(), days=30))
