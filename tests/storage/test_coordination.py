"""Coordination through the database: locks, marks, IDENTIFY pacing and guild change notifications."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.adapter.cluster import pace_identify
from bot.storage import Store, make_engine
from bot.storage.coordination import Coordinator


@pytest.fixture
async def two_processes(migrated_url: str) -> AsyncIterator[tuple[Coordinator, Coordinator]]:
    """Two coordinators with their own engines, as two processes of a cluster would have."""
    engines = [make_engine(migrated_url), make_engine(migrated_url)]
    if migrated_url.startswith("sqlite"):  # one process: both share the in-process locks
        first = Coordinator(engines[0])
        yield first, first
    else:
        yield Coordinator(engines[0]), Coordinator(engines[1])
    for engine in engines:
        await engine.dispose()


async def test_a_lock_is_held_by_one_holder_at_a_time(two_processes: tuple[Coordinator, Coordinator]) -> None:
    inside: list[str] = []
    overlaps = 0

    async def hold(coordinator: Coordinator, name: str) -> None:
        nonlocal overlaps
        async with coordinator.lock("job"):
            overlaps += bool(inside)
            inside.append(name)
            await asyncio.sleep(0.05)
            inside.remove(name)

    await asyncio.gather(*(hold(c, f"{i}") for i in range(3) for c in two_processes))
    assert overlaps == 0


async def test_marks_remember_values_and_age(two_processes: tuple[Coordinator, Coordinator]) -> None:
    first, second = two_processes
    assert await first.seconds_since("sweep") is None and await first.value("sweep") is None
    await first.set_mark("sweep", "abc")
    await second.set_mark("sweep", "def")
    since = await first.seconds_since("sweep")
    assert since is not None and 0 <= since < 5
    assert await first.value("sweep") == "def"


async def test_identifies_of_one_bucket_are_spaced_across_processes(
        two_processes: tuple[Coordinator, Coordinator]) -> None:
    first, second = two_processes
    finished: dict[int, float] = {}

    async def identify(coordinator: Coordinator, shard_id: int) -> None:
        await pace_identify(coordinator, shard_id, max_concurrency=2, spacing=0.4)
        finished[shard_id] = time.monotonic()

    await asyncio.gather(identify(first, 0), identify(second, 2), identify(second, 1), identify(first, 3))
    # Shards 0 and 2 share bucket 0, shards 1 and 3 bucket 1; buckets do not wait for each other.
    assert abs(finished[0] - finished[2]) >= 0.35
    assert abs(finished[1] - finished[3]) >= 0.35
    assert min(finished[1], finished[3]) - min(finished[0], finished[2]) < 0.3


async def test_other_writers_changes_are_heard(postgres_migrated: str) -> None:
    listener, writer = Store(make_engine(postgres_migrated)), Store(make_engine(postgres_migrated))
    heard: asyncio.Queue[int] = asyncio.Queue()
    try:
        async with Coordinator(listener.engine).guild_changes(heard.put_nowait):
            # The guild_settings trigger notifies whoever writes: no writer has to remember to.
            await writer.set_guild_overrides(42, {"policy": {"daily_cap": 2}}, datetime.now(UTC))
            assert await asyncio.wait_for(heard.get(), 5) == 42
            await Coordinator(writer.engine).notify_guild_changed(7)
            assert await asyncio.wait_for(heard.get(), 5) == 7
    finally:
        await listener.close()
        await writer.close()


async def test_changes_are_heard_again_after_the_listening_connection_is_lost(postgres_migrated: str) -> None:
    """A database restart or a network cut ends the LISTEN: it is opened again, and since changes made in
    between were not heard, the process is told to reload what it holds."""
    listener, writer = Store(make_engine(postgres_migrated)), Store(make_engine(postgres_migrated))
    heard: asyncio.Queue[int] = asyncio.Queue()
    gaps: asyncio.Queue[None] = asyncio.Queue()
    try:
        async with Coordinator(listener.engine).guild_changes(heard.put_nowait, lambda: gaps.put_nowait(None)):
            async with writer.engine.begin() as connection:
                cut = await connection.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' "
                    "AND datname = current_database() AND pid <> pg_backend_pid()"))
                assert cut.scalar_one() == 1
            await asyncio.wait_for(gaps.get(), 15)  # listening again
            await writer.set_guild_overrides(43, {"policy": {"daily_cap": 3}}, datetime.now(UTC))
            assert await asyncio.wait_for(heard.get(), 5) == 43
    finally:
        await listener.close()
        await writer.close()
