"""Decide: p50/p99 of reading a pair's decision inputs and deciding, at 1M and 10M stored events.

The history (bench/_history.py): 100 events a member, each member talking mostly inside a circle of 30, with
a skewed activity, over 120 days: 1,000,000 events over 10,000 members and 10,000,000 over 100,000. Pairs:
requesters drawn uniformly, 80% asking someone of their circle (real history), 20% a stranger.

Baseline: one `SELECT 1` round trip on a connection held open, through the same engine, timed just before each
decision (so both see the same machine load). Environment: QPN_DECIDE_SCALES (event counts, comma-separated),
QPN_DECIDE_BACKENDS (sqlite,postgresql), QPN_BENCH_CACHE (where built databases are kept).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import text

from bench._bulk import postgres_history, sqlite_history
from bench._history import GUILD, NOW, as_interactions, generate, sample_pairs
from bot.core.model import Interaction
from bot.core.policy import decide
from bot.core.scoring import span_for, summarize
from bot.core.settings import Settings
from bot.storage import Store, make_engine

SCALES = [int(value) for value in os.environ.get("QPN_DECIDE_SCALES", "1000000,10000000").split(",")]
BACKENDS = os.environ.get("QPN_DECIDE_BACKENDS", "sqlite,postgresql").split(",")
SAMPLES, WARMUP = 2_000, 200


@dataclass(frozen=True)
class Figures:
    decisions: list[float]
    baseline: list[float]
    outcomes: Counter[str]

    def line(self, backend: str, events: int) -> str:
        d50, d99 = _percentile(self.decisions, 50), _percentile(self.decisions, 99)
        b50, b99 = _percentile(self.baseline, 50), _percentile(self.baseline, 99)
        return (f"decide {backend:<10} {events:>11,} events: p50 {d50:.2f} ms  p99 {d99:.2f} ms  "
                f"max {max(self.decisions):.1f} ms | SELECT 1 p50 {b50:.3f} ms  p99 {b99:.3f} ms | "
                f"p50/p50 {d50 / b50:.1f}x  p99/p99 {d99 / b99:.1f}x  p99/SELECT-1-p50 {d99 / b50:.1f}x "
                f"(target p99 <= 5x)")


async def measure(url: str, pairs: list[tuple[int, int]]) -> Figures:
    store = Store(make_engine(url))
    policy = Settings().policy
    span = span_for(policy, NOW)
    decisions: list[float] = []
    baseline: list[float] = []
    outcomes: Counter[str] = Counter()
    async with store.engine.connect() as held:
        for index, (requester, target) in enumerate(pairs):
            started = time.perf_counter()
            await held.execute(text("SELECT 1"))
            select_1 = time.perf_counter() - started
            started = time.perf_counter()
            facts = await store.pair_history(GUILD, requester, target, span)
            verdict = decide(summarize(facts, policy), policy, facts.target_preferences, facts.recent_demands, NOW)
            decided = time.perf_counter() - started
            if index >= WARMUP:
                baseline.append(select_1 * 1000)
                decisions.append(decided * 1000)
                outcomes[verdict.outcome.value] += 1
    await store.close()
    return Figures(decisions, baseline, outcomes)


def history(rng: random.Random) -> tuple[list[Interaction], None]:
    """The 1M-event history as interactions: the dashboard benchmark seeds its server with it."""
    return as_interactions(generate(1_000_000, seed=rng.randrange(2**32))), None


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def main() -> None:
    results: dict[tuple[str, int], Figures] = {}
    for events in SCALES:
        history = generate(events)
        pairs = sample_pairs(history, SAMPLES + WARMUP)
        for backend in BACKENDS:
            url = sqlite_history(history) if backend == "sqlite" else asyncio.run(postgres_history(history))
            figures = results[backend, events] = asyncio.run(measure(url, pairs))
            print(figures.line(backend, events), f"load {os.getloadavg()[0]:.1f}", flush=True)
        print(f"decide: outcomes at {events:,} events {dict(results[BACKENDS[0], events].outcomes)}")
        del history
    for backend in BACKENDS:
        small, large = results[backend, min(SCALES)], results[backend, max(SCALES)]
        ratio = _percentile(large.decisions, 99) / _percentile(small.decisions, 99)
        print(f"decide {backend}: p99 at {max(SCALES):,} / p99 at {min(SCALES):,} = {ratio:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
