"""The overview shows the numbers `/quidpro stats` shows, today's demands at once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.adapter.exts.moderation.stats import guild_stats
from bot.core.model import Outcome, Verdict
from bot.storage import Store, make_engine
from bot.storage.dashboard import DashboardStore
from bot.storage.migrate import upgrade
from bot.storage.moderation import ModerationStore
from bot.web.overview import TOP_REQUESTERS, OverviewStats, _Finished, top_requesters


async def test_the_overview_counts_like_quidpro_stats_and_sees_today_at_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'o.db'}"
    await asyncio.to_thread(upgrade, url)
    store = Store(make_engine(url))
    now = datetime.now(UTC)
    outcomes = [Outcome.DECLINE, Outcome.CONNECT, Outcome.PROPOSE, Outcome.CAPPED, Outcome.COOLDOWN]
    # Every few hours over 40 days (beyond the 30-day window), from 7 requesters, in two guilds.
    for step in range(40 * 6):
        for guild in (1, 2):
            await store.record_demand(guild, step % 7 + guild, 99, kind="mention",
                                      verdict=Verdict(outcomes[step % 5], (), {}), now=now - timedelta(hours=4 * step))
    moderation = ModerationStore(store)
    overview = OverviewStats(DashboardStore(store), moderation)
    expected = await guild_stats(moderation, 1, now, 30)
    assert await overview.stats(1, now, 30) == expected
    assert expected.total > 0 and expected.outcomes[Outcome.CAPPED] > 0
    await store.record_demand(1, 50, 99, kind="mention", verdict=Verdict(Outcome.CONNECT, (), {}), now=now)
    fresh = await overview.stats(1, now, 30)
    assert fresh.total == expected.total + 1 and fresh == await guild_stats(moderation, 1, now, 30)
    await store.close()


def test_the_top_requesters_of_finished_days_and_today_match_ranking_everyone() -> None:
    rng = random.Random(7)
    for _ in range(300):
        finished_counts = {rng.randrange(30): rng.randrange(1, 6) for _ in range(rng.randrange(40))}
        today: Counter[int] = Counter({rng.randrange(30): rng.randrange(1, 6) for _ in range(rng.randrange(8))})
        top = sorted(finished_counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_REQUESTERS]
        finished = _Finished(0.0, date.today(), [], finished_counts, top)
        everyone = Counter(finished_counts) + today
        expected = sorted(everyone.items(), key=lambda item: (-item[1], item[0]))[:TOP_REQUESTERS]
        assert top_requesters(finished, today) == expected
