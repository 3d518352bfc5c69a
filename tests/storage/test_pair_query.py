"""The one-statement decision read returns exactly the facts the three statements it replaced returned."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from bot.core.model import (
    Bar,
    ExplainVia,
    InteractionKind,
    Outcome,
    PastDemand,
    Preferences,
    Reason,
    RequestsFrom,
    TimedInteraction,
    Verdict,
)
from bot.core.scoring import HistorySpan, PairHistory, RequesterStanding, span_for
from bot.core.settings import Policy
from bot.storage import Store
from bot.storage._pair_query import demands_since, direction, standing
from bot.storage._util import aware
from bot.storage.members import preferences_of
from tests.factories import GUILD, NOW, interaction

MEMBERS = range(1, 7)
POLICY = Policy(cooldown_minutes=24 * 60 * 2)  # demands read back two days


async def old_pair_history(store: Store, requester: int, target: int, span: HistorySpan) -> PairHistory:
    """The read as it was before issue #12: three statements on one connection."""
    since, until = span.since, span.until
    async with store.engine.connect() as connection:
        pair_rows = [*(await connection.execute(direction(GUILD, requester, target, since, until))).all(),
                     *(await connection.execute(direction(GUILD, target, requester, since, until))).all()]
        row = (await connection.execute(standing(GUILD, requester, target, since, until))).one()
        demand_rows = (await connection.execute(demands_since(GUILD, requester, span.demands_since, until))).all()
    activity, first_seen, follows, followed, top, new, requests_from, auto, via, bar, quota = row
    return PairHistory(
        GUILD, requester, target, span,
        [TimedInteraction(actor, InteractionKind(kind), aware(at)) for actor, kind, at in pair_rows],
        RequesterStanding(activity or 0, aware(first_seen) if first_seen else None, bool(follows), bool(followed),
                          top, new or 0),
        Preferences() if requests_from is None else preferences_of(requests_from, auto, via, bar, quota),
        [PastDemand(who, Outcome(outcome), aware(at)) for who, outcome, at in demand_rows])


async def random_history(store: Store, rng: random.Random) -> None:
    kinds = list(InteractionKind)
    await store.write_events([
        interaction(rng.choice(MEMBERS), rng.choice(MEMBERS), rng.choice(kinds), days_ago=rng.uniform(-1, 120),
                    channel=rng.randrange(4)) for _ in range(400)])
    for number in range(60):
        verdict = Verdict(rng.choice(list(Outcome)), (Reason("low_activity", {}),), {})
        await store.record_demand(GUILD, rng.choice(MEMBERS), rng.choice(MEMBERS), kind="mention", verdict=verdict,
                                  now=NOW - timedelta(hours=rng.uniform(-5, 72)), message_id=number)
    for _ in range(15):
        await store.follows.follow(GUILD, rng.choice(MEMBERS), rng.choice(MEMBERS),
                                   rng.choice(["command", "consent", "auto_accept"]),
                                   NOW - timedelta(days=rng.uniform(0, 14)))
    await store.preferences.set_preferences(GUILD, 2, Preferences(RequestsFrom.EVERYONE, True, ExplainVia.DM,
                                                              Bar.STINGY, 3), NOW)


def sortable(history: PairHistory) -> dict[str, Any]:
    return {"interactions": sorted(history.interactions, key=repr), "standing": history.standing,
            "preferences": history.target_preferences, "demands": sorted(history.recent_demands, key=repr)}


async def test_one_statement_reads_the_same_facts_as_three(store: Store) -> None:
    rng = random.Random(12)
    await random_history(store, rng)
    seen_interactions = seen_demands = 0
    for requester in MEMBERS:
        for target in MEMBERS:
            span = span_for(POLICY, NOW)
            new = await store.pair_history(GUILD, requester, target, span)
            assert sortable(new) == sortable(await old_pair_history(store, requester, target, span))
            seen_interactions += len(new.interactions)
            seen_demands += len(new.recent_demands)
    assert seen_interactions > 100
    assert seen_demands > 10  # both kinds of fact rows were compared, not only empty ones
