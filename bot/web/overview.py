"""The overview's numbers: those of `/quidpro stats`, fast however much history is stored.

Finished days do not change (but for erasures), so their counts are read once a minute per server and
kept, with their top requesters already ranked; today's demands are counted on every request in one
covering-index scan (ix_demands_overview). A request so does work in proportion to today's demands, not
to the server's history or its number of members, and an erased member leaves the page within a minute.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.core import stats as stats_core
from bot.core.model import Outcome
from bot.storage.dashboard import DashboardStore
from bot.storage.moderation import ModerationStore

FINISHED_DAYS_SECONDS = 60.0
TOP_REQUESTERS = 5


@dataclass(frozen=True, slots=True)
class _Finished:
    fetched: float
    today: date
    per_day: list[tuple[date, Outcome, int]]
    requesters: dict[int, int]
    top: list[tuple[int, int]]  # the finished days' own top requesters


def top_requesters(finished: _Finished, today: Counter[int]) -> list[tuple[int, int]]:
    """The top requesters of finished days and today together, without ranking every member on every request:
    one who asked nothing today and is not in the finished days' top cannot be in the whole top either (those
    above them there stay at least as far above), so today's requesters and that top are the only candidates."""
    candidates = set(today) | {user for user, _ in finished.top}
    totals = [(user, finished.requesters.get(user, 0) + today[user]) for user in candidates]
    return sorted(totals, key=_rank)[:TOP_REQUESTERS]


def _rank(item: tuple[int, int]) -> tuple[int, int]:
    return -item[1], item[0]


class OverviewStats:
    def __init__(self, store: DashboardStore, moderation: ModerationStore,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.moderation = moderation
        self.clock = clock
        self._finished: dict[int, _Finished] = {}

    async def stats(self, guild_id: int, at: datetime, days: int) -> stats_core.Stats:
        """Demands of the `days` UTC days ending today, as `/quidpro stats` counts them."""
        midnight = datetime.combine(at.date(), datetime.min.time(), UTC)
        finished = await self._finished_days(guild_id, midnight, days)
        outcomes: Counter[Outcome] = Counter()
        requesters: Counter[int] = Counter()
        for outcome, user, count in await self.store.outcome_requester_counts(guild_id, midnight):
            outcomes[outcome] += count
            requesters[user] += count
        today = [(midnight.date(), outcome, count) for outcome, count in outcomes.items()]
        accepted = await self.moderation.accepted_connections(guild_id, at - timedelta(days=days))
        return stats_core.from_counts(finished.per_day + today, top_requesters(finished, requesters), accepted,
                                      today=at.date(), days=days)

    async def _finished_days(self, guild_id: int, midnight: datetime, days: int) -> _Finished:
        kept = self._finished.get(guild_id)
        if kept is None or kept.today != midnight.date() or self.clock() - kept.fetched > FINISHED_DAYS_SECONDS:
            first = midnight - timedelta(days=days - 1)
            requesters = await self.store.requester_counts(guild_id, first, midnight)
            top = sorted(requesters.items(), key=_rank)[:TOP_REQUESTERS]
            kept = _Finished(self.clock(), midnight.date(), await self.store.demand_counts(guild_id, first, midnight),
                             requesters, top)
            self._finished[guild_id] = kept
        return kept

    def forget(self, guild_id: int) -> None:
        self._finished.pop(guild_id, None)
