"""The cooldown, the daily cap and one pending consent request per pair hold when two processes race.

Each test gives two Stores their own engines (their own connection pools), as two `quidprono run`
processes have, and fires many decisions for one member at once across both. On SQLite the same two
engines stand for one process's concurrent connections.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core.model import Outcome
from bot.core.policy import decide
from bot.core.scoring import span_for, summarize
from bot.core.settings import Policy
from bot.storage import Store, make_engine
from bot.storage.models import ConnectionRequest
from tests.factories import GUILD, NOW

ALICE, BOB = 1, 2
RACERS = 24


@pytest.fixture
async def two_stores(migrated_url: str) -> AsyncIterator[tuple[Store, Store]]:
    stores = Store(make_engine(migrated_url)), Store(make_engine(migrated_url))
    yield stores
    for store in stores:
        await store.close()


class Clock:
    """One clock for both "processes", a millisecond further at each reading."""

    def __init__(self) -> None:
        self._ticks = itertools.count()

    def now(self) -> datetime:
        return NOW + timedelta(milliseconds=next(self._ticks))


async def _decide(store: Store, clock: Clock, policy: Policy, target: int, message_id: int) -> Outcome:
    """What the demand path does: read, decide and record inside the requester's turn."""
    async with store.requester_turn(GUILD, ALICE) as turn:
        now = clock.now()  # inside the turn, as the bot takes it
        history = await turn.pair_history(target, span_for(policy, now))
        await asyncio.sleep(0)  # let every other racer run up to here, if nothing stops it
        verdict = decide(summarize(history, policy), policy, history.target_preferences, history.recent_demands, now)
        demand_id = await turn.record_demand(target, kind="request", verdict=verdict, now=now, message_id=message_id)
    assert demand_id is not None
    return verdict.outcome


async def _race(stores: tuple[Store, Store], policy: Policy, targets: list[int]) -> list[Outcome]:
    clock = Clock()
    return list(await asyncio.gather(*(
        _decide(stores[index % 2], clock, policy, target, message_id=index + 1)
        for index, target in enumerate(targets))))


async def test_the_daily_cap_is_never_exceeded(two_stores: tuple[Store, Store]) -> None:
    policy = Policy(daily_demand_cap=5, cooldown_minutes=0)
    outcomes = await _race(two_stores, policy, [100 + n for n in range(RACERS)])
    assert sum(outcome is not Outcome.CAPPED for outcome in outcomes) == 5
    assert outcomes.count(Outcome.CAPPED) == RACERS - 5


async def test_the_pair_cooldown_answers_once(two_stores: tuple[Store, Store]) -> None:
    policy = Policy(daily_demand_cap=1000, cooldown_minutes=60)
    outcomes = await _race(two_stores, policy, [BOB] * RACERS)
    assert sum(outcome is not Outcome.COOLDOWN for outcome in outcomes) == 1


async def test_one_pending_consent_request_per_pair(two_stores: tuple[Store, Store]) -> None:
    expires = NOW + timedelta(days=7)
    opened = await asyncio.gather(*(
        two_stores[n % 2].consent.open_request(GUILD, ALICE, BOB, demand_id=n, now=NOW, expires_at=expires)
        for n in range(RACERS)))
    assert len([request for request in opened if request is not None]) == 1
    assert await _pending(two_stores[0]) == 1
    # The other direction is another pair; an expired request no longer blocks a new one.
    assert await two_stores[1].consent.open_request(GUILD, BOB, ALICE, demand_id=None, now=NOW, expires_at=expires)
    later = expires + timedelta(seconds=1)
    reopened = await two_stores[1].consent.open_request(GUILD, ALICE, BOB, demand_id=None, now=later,
                                                        expires_at=later + timedelta(days=7))
    assert reopened is not None and reopened not in opened
    assert await _pending(two_stores[0]) == 2  # Alice's new one and Bob's


async def _pending(store: Store) -> int:
    async with store.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(ConnectionRequest).where(
            ConnectionRequest.status == "pending"))).scalar_one())
