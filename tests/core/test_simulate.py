"""Policy dry runs: the wording, and the counts of a hand-computed case replayed from storage."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.config import with_overrides
from bot.core.model import Interaction, InteractionKind, Outcome, Verdict
from bot.core.settings import Policy, Settings
from bot.core.simulate import Simulation, describe, replays, simulate
from bot.storage import Store
from bot.storage.moderation import ModerationStore

G, CHANNEL, BOT = 77, 5, 999
A, B, C, D, E, F, G2, H, X = 1, 2, 3, 4, 5, 6, 7, 8, 9
T = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
_sources = iter(range(10_000, 20_000))


def event(actor: int, target: int, kind: InteractionKind, at: datetime) -> Interaction:
    return Interaction(G, actor, target, kind, CHANNEL, next(_sources), at)


async def demand(store: Store, requester: int, target: int, stored: Outcome, at: datetime) -> None:
    await store.record_demand(G, requester, target, kind="f4f", verdict=Verdict(stored, (), {}), now=at)


def test_describe_phrases_the_changes_largest_first() -> None:
    simulation = Simulation(20, Counter({(Outcome.DECLINE, Outcome.CONNECT): 12,
                                         (Outcome.PROPOSE, Outcome.CONNECT): 1,
                                         (Outcome.DECLINE, Outcome.DECLINE): 7}), drifted=0)
    assert describe(simulation, "policy.mutual_min_score", "2.0", 30).splitlines() == [
        "Dry run of **policy.mutual_min_score = 2.0** over the 20 demands of the last 30 days:",
        "- 12 declines would become connections",
        "- 1 proposal to the target would become a connection",
        "7 answers would stay the same. Nothing has been applied.",
    ]
    assert "no stored demands" in describe(Simulation(0, Counter(), 0), "policy.window_days", "30", 7)


def test_describe_counts_one_in_the_singular() -> None:
    simulation = Simulation(2, Counter({(Outcome.DECLINE, Outcome.CONNECT): 1,
                                        (Outcome.DECLINE, Outcome.DECLINE): 1}), drifted=1)
    lines = describe(simulation, "policy.mutual_min_score", "2.0", 30).splitlines()
    assert lines[-2:] == [
        "1 answer would stay the same. Nothing has been applied.",
        "(1 demand would already be answered differently under the current policy than when first answered:"
        " the history has grown since, e.g. by a backfill.)",
    ]


async def test_replaying_stored_demands_under_a_lower_mutual_threshold(store: Store) -> None:
    """Hand-computed, with the default policy (reply 3, mention 1; mutual 4, propose 3, 3 days, 5 interactions):

    - A→B and G→H at T: each replied to the other once an hour before (3 and 3), first seen an hour
      ago: declined (not mutual, and too new to propose). With mutual 2: 3 ≥ 2 both ways, connect.
    - C→D at T+1h: C replied to D twice (6), D mentioned C twice (2); C has been around for 10 days with
      7 interactions: proposed. With mutual 2: connect.
    - E→F: no history at all: declined either way (stored as "connect": the history changed since).
    - A→B again 10 minutes later: cooldown either way.
    Five replies from B to A *after* these demands must not count: replays stop at each demand's time.
    """
    hour = timedelta(hours=1)
    await store.write_events([
        event(A, B, InteractionKind.REPLY, T - hour), event(B, A, InteractionKind.REPLY, T - hour),
        event(G2, H, InteractionKind.REPLY, T - hour), event(H, G2, InteractionKind.REPLY, T - hour),
        event(C, D, InteractionKind.REPLY, T), event(C, D, InteractionKind.REPLY, T),
        event(D, C, InteractionKind.MENTION, T), event(D, C, InteractionKind.MENTION, T),
        *(event(C, X, InteractionKind.MENTION, T - timedelta(days=10)) for _ in range(5)),
        *(event(B, A, InteractionKind.REPLY, T + 2 * hour) for _ in range(5)),  # later: must not count
        event(X, 42, InteractionKind.REPLY, T - timedelta(days=40)),  # another pair: irrelevant
    ])
    await demand(store, A, B, Outcome.DECLINE, T)
    await demand(store, G2, H, Outcome.DECLINE, T)
    await demand(store, A, B, Outcome.COOLDOWN, T + timedelta(minutes=10))
    await demand(store, C, D, Outcome.PROPOSE, T + hour)
    await demand(store, E, F, Outcome.CONNECT, T + hour)
    # Another guild's demand, in the same window: never replayed here.
    await store.record_demand(G + 1, A, B, kind="f4f", verdict=Verdict(Outcome.DECLINE, (), {}), now=T)

    current = Settings().policy
    changed = with_overrides(Settings(), {"policy": {"mutual_min_score": 2}}).policy
    moderation = ModerationStore(store)
    replayed = await replays(moderation, G, T - timedelta(days=1), limit=100, current=current, changed=changed,
                             bot_id=BOT)
    simulation = simulate(replayed, current, changed)

    assert simulation.replayed == 5
    assert simulation.transitions == Counter({
        (Outcome.DECLINE, Outcome.CONNECT): 2,
        (Outcome.PROPOSE, Outcome.CONNECT): 1,
        (Outcome.DECLINE, Outcome.DECLINE): 1,
        (Outcome.COOLDOWN, Outcome.COOLDOWN): 1,
    })
    assert simulation.changed == 3 and simulation.drifted == 1
    text = describe(simulation, "policy.mutual_min_score", "2.0", 1)
    assert "- 2 declines would become connections" in text
    assert "- 1 proposal to the target would become a connection" in text
    assert "2 answers would stay the same" in text


async def test_a_longer_window_needs_the_raw_events(store: Store) -> None:
    """B replied to A three times 100 days before the demand: outside the default 90-day window, inside 120.
    With a 10-year half-life they are worth 3 x 3 x 0.5^(100/3650) = 8.83 >= 6: B engaged with A, connect."""
    await store.write_events([event(B, A, InteractionKind.REPLY, T - timedelta(days=100)) for _ in range(3)])
    await demand(store, A, B, Outcome.DECLINE, T)
    current = Policy()
    changed = with_overrides(Settings(), {"policy": {"window_days": 120, "half_life_days": 3650}}).policy
    replayed = await replays(ModerationStore(store), G, T - timedelta(days=1), limit=100, current=current,
                             changed=changed, bot_id=BOT)
    assert replayed[0].summary_new.incoming.total == 3 and replayed[0].summary_now.incoming.total == 0
    assert round(replayed[0].summary_new.incoming.score, 2) == 8.83
    assert simulate(replayed, current, changed).transitions == Counter({(Outcome.DECLINE, Outcome.CONNECT): 1})
