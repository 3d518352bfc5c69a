"""Decide: p50/p99 of reading a pair's decision inputs and deciding, with 1,000,000 events stored.

10,000 members with a skewed activity (a few very active members, many quiet ones), each talking
mostly inside a circle of 30 others, over 120 days. Pairs are drawn 80% from circles (real history)
and 20% at random (strangers). The baseline is one `SELECT 1` round trip through the same engine: the
floor any database-backed decision pays.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench._db import fresh_sqlite
from bot.core.model import Interaction, InteractionKind
from bot.core.policy import decide
from bot.core.scoring import span_for, summarize
from bot.core.settings import Settings
from bot.storage import Store, make_engine

EVENTS = 1_000_000
MEMBERS = 10_000
CIRCLE = 30
SAMPLES = 2_000
NOW = datetime(2026, 11, 22, tzinfo=UTC)
KINDS = list(InteractionKind)


def history(rng: random.Random) -> tuple[list[Interaction], dict[int, list[int]]]:
    circles = {member: rng.sample(range(MEMBERS), CIRCLE) for member in range(MEMBERS)}
    activity = [1 / (rank + 1) ** 0.8 for rank in range(MEMBERS)]
    actors = rng.choices(range(MEMBERS), weights=activity, k=EVENTS)
    events = [
        Interaction(guild_id=1, actor_id=actor, target_id=rng.choice(circles[actor]), kind=rng.choice(KINDS),
                    channel_id=rng.randrange(25), source_id=i,
                    occurred_at=NOW - timedelta(seconds=rng.randrange(120 * 86_400)))
        for i, actor in enumerate(actors)
    ]
    return events, circles


async def measure(url: str) -> None:
    rng = random.Random(11)
    events, circles = history(rng)
    store = Store(make_engine(url))
    started = time.perf_counter()
    for start in range(0, len(events), 20_000):
        await store.write_events(events[start:start + 20_000])
    print(f"decide: stored {len(events):,} events over {MEMBERS:,} members in {time.perf_counter() - started:.1f}s")
    policy = Settings().policy
    pairs = [(a, rng.choice(circles[a]) if rng.random() < 0.8 else rng.randrange(MEMBERS))
             for a in rng.choices(range(MEMBERS), k=SAMPLES)]
    timings: list[float] = []
    outcomes: Counter[str] = Counter()
    for requester, target in pairs:
        started = time.perf_counter()
        facts = await store.pair_history(1, requester, target, span_for(policy, NOW))
        verdict = decide(summarize(facts, policy), policy, facts.target_preferences, facts.recent_demands, NOW)
        timings.append((time.perf_counter() - started) * 1000)
        outcomes[verdict.outcome.value] += 1
    baseline = []
    async with store.engine.connect() as connection:
        for _ in range(SAMPLES):
            started = time.perf_counter()
            await connection.execute(text("SELECT 1"))
            baseline.append((time.perf_counter() - started) * 1000)
    await store.close()
    p50, p99 = _percentile(timings, 50), _percentile(timings, 99)
    b50 = _percentile(baseline, 50)
    print(f"decide: p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {max(timings):.2f} ms over {SAMPLES:,} decisions "
          f"(target p99 <= 5 ms); outcomes {dict(outcomes)}")
    print(f"decide: baseline SELECT 1 round trip p50 {b50:.3f} ms; a decision costs {p50 / b50:.1f}x that")


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        url, _ = fresh_sqlite(Path(directory), "decide")
        asyncio.run(measure(url))


if __name__ == "__main__":
    main()
