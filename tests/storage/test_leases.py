"""The backfill lease: one holder per guild, stale leases taken over, a Cancel reaching the holder."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import update

from bot.storage import Store
from bot.storage.leases import STALE_AFTER, BackfillLeases
from bot.storage.models import BackfillLease


async def test_one_holder_at_a_time(store: Store) -> None:
    leases = BackfillLeases(store.engine)
    assert await leases.acquire(1, "bot") is None
    held = await leases.acquire(1, "terminal")
    assert held is not None and held.name == "bot" and "started" in held.describe()
    assert await leases.acquire(2, "terminal") is None  # another guild is free
    assert await leases.acquire(1, "bot") is None  # the holder itself may take it again (a resume)
    await leases.release(1, "bot")
    assert await leases.acquire(1, "terminal") is None


async def test_concurrent_takers_get_one_winner(store: Store) -> None:
    leases = BackfillLeases(store.engine)
    results = await asyncio.gather(*(leases.acquire(7, f"taker-{n}") for n in range(5)))
    assert sum(result is None for result in results) == 1


async def test_a_dead_holders_lease_is_taken_over(store: Store) -> None:
    leases = BackfillLeases(store.engine)
    assert await leases.acquire(1, "dead") is None
    async with store.engine.begin() as connection:
        await connection.execute(update(BackfillLease).values(renewed_at=datetime.now(UTC) - STALE_AFTER * 2))
    assert await leases.request_cancel(1) is None  # nobody alive to ask
    assert await leases.acquire(1, "alive") is None


async def test_cancel_reaches_the_holder(store: Store) -> None:
    leases = BackfillLeases(store.engine)
    assert await leases.acquire(1, "terminal") is None
    assert await leases.renew(1, "terminal") is False
    asked = await leases.request_cancel(1)
    assert asked is not None and asked.name == "terminal"
    assert await leases.renew(1, "terminal") is True
    assert await leases.renew(1, "someone else") is True  # not (or no longer) the holder: stop too
