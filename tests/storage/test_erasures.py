"""The erasure record at the storage level: what a guild purge, an export and another process see of it."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.storage import Store, make_engine
from tests.conftest import _empty_postgres, migrated_sqlite
from tests.factories import GUILD, NOW, interaction

ALICE, BOB = 1, 2
OTHER = GUILD + 1


async def test_a_guild_purge_drops_its_erasures_and_only_its_own(store: Store) -> None:
    await store.privacy.forget(GUILD, ALICE, NOW)
    await store.privacy.forget(OTHER, ALICE, NOW)
    await store.departures.purge_guild(GUILD)
    assert (await store.privacy.export(GUILD, ALICE))["erased_at"] is None
    assert (await store.privacy.export(OTHER, ALICE))["erased_at"] == NOW.isoformat()
    # the purged guild no longer holds her history back; the other guild still does
    await store.write_events([interaction(ALICE, BOB, days_ago=1), interaction(ALICE, BOB, days_ago=1, guild=OTHER)])
    assert await store.event_count(GUILD) == 1 and await store.event_count(OTHER) == 0


async def test_the_export_says_when_the_member_erased_their_data(store: Store) -> None:
    assert (await store.privacy.export(GUILD, ALICE))["erased_at"] is None
    await store.privacy.forget(GUILD, ALICE, NOW - timedelta(days=2))
    await store.privacy.forget(GUILD, ALICE, NOW)  # a second erasure moves the time on
    assert (await store.privacy.export(GUILD, ALICE))["erased_at"] == NOW.isoformat()
    assert (await store.privacy.export(GUILD, BOB))["erased_at"] is None


async def test_an_erasure_made_by_another_process_holds_here_at_once(store: Store, migrated_url: str) -> None:
    """The write path reads the guild's erasures in its own transaction, uncached: an erasure made from the
    dashboard or another shard's process must hold for this process's very next write."""
    await store.write_events([interaction(BOB, ALICE, days_ago=3)])  # the guild is known to this process
    other = Store(make_engine(migrated_url))
    try:
        await other.privacy.forget(GUILD, ALICE, NOW)
    finally:
        await other.close()
    before, after = interaction(ALICE, BOB, days_ago=1), interaction(BOB, ALICE, days_ago=-1)
    await store.write_events([before, after])
    assert await store.event_count(GUILD) == 1  # only the one after the erasure



@contextlib.asynccontextmanager
async def paused_after_reading_erasures(monkeypatch: pytest.MonkeyPatch,
                                        at_read: Callable[[], Awaitable[None]]) -> AsyncIterator[asyncio.Event]:
    """Batches stop right after reading the erasures, run `at_read`, and go on when the event is set."""
    release = asyncio.Event()
    erasures = Store._erasures

    async def read_then_wait(connection: Any, guild_ids: Any) -> Any:
        found = await erasures(connection, guild_ids)
        await at_read()
        await release.wait()
        return found

    monkeypatch.setattr(Store, "_erasures", staticmethod(read_then_wait))
    yield release


async def test_a_batch_holds_the_writer_while_it_reads_the_erasures(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite: a /forget-me (another writer) cannot slip in between the erasures read and the batch's write."""
    store = Store(make_engine(migrated_sqlite(tmp_path)))
    refused: list[bool] = []

    async def try_to_write() -> None:
        other = sqlite3.connect(tmp_path / "quidprono.db", timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            refused.append(False)
        except sqlite3.OperationalError:
            refused.append(True)
        finally:
            other.close()

    try:
        async with paused_after_reading_erasures(monkeypatch, try_to_write) as release:
            release.set()  # no pause: the check runs at the read
            await store.write_events([interaction(ALICE, BOB, days_ago=1)])
        assert refused == [True]
    finally:
        await store.close()


async def test_an_erasure_during_a_batch_waits_for_it(postgres_migrated: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: a /forget-me made while a batch is between its erasures read and its write waits for the
    batch, then erases what it wrote."""
    await _empty_postgres(postgres_migrated)
    store = Store(make_engine(postgres_migrated))
    read = asyncio.Event()

    async def note_read() -> None:
        read.set()

    try:
        async with paused_after_reading_erasures(monkeypatch, note_read) as release:
            batch = asyncio.create_task(store.write_events([interaction(ALICE, BOB, days_ago=1)]))
            await read.wait()
            forget = asyncio.create_task(store.privacy.forget(GUILD, ALICE, NOW))
            waiting = asyncio.create_task(_a_lock_is_awaited(store))
            await asyncio.wait([forget, waiting], return_when=asyncio.FIRST_COMPLETED)
            assert not forget.done()  # it waits for the batch
            release.set()
            await asyncio.gather(batch, forget, waiting)
        assert await store.event_count(GUILD) == 0
    finally:
        await store.close()


async def _a_lock_is_awaited(store: Store) -> None:
    """Until an advisory lock in this database is waited for (the forget's)."""
    awaited = text("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'advisory' "
                   "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    async with store.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")  # a fresh pg_locks each time
        for _ in range(1000):
            if await connection.scalar(awaited):
                return
            await asyncio.sleep(0.01)
    raise AssertionError("no advisory lock was awaited within 10 s")
