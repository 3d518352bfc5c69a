"""Cluster-wide coordination through the database the processes already share: no new moving part.

On PostgreSQL a named lock is a session advisory lock, held by one process of the cluster at a time and
freed by the server when its holder dies; marks (`coordination_marks`) say when a job last ran and what it
did, by the database's clock; guild changes arrive by LISTEN/NOTIFY. On SQLite there is one process
(several are refused), so the locks are in-process and notifications are not needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.models import CoordinationMark

log = logging.getLogger(__name__)

GUILD_CHANGED = "quidprono_guild_changed"  # the channel the guild_settings trigger notifies (migration 0003)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for `name`."""
    return int.from_bytes(hashlib.blake2b(f"quidprono:{name}".encode(), digest_size=8).digest(), "big", signed=True)


def erasures_guard(guild_id: int) -> int:
    """The advisory lock between a guild's batches (shared) and its erasures (exclusive) on PostgreSQL: a batch
    that read the erasures writes before any /forget-me that was not in them."""
    return lock_key(f"erasures:{guild_id}")


class Coordinator:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        self._local: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @contextlib.asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """Wait for the cluster-wide lock `name` and hold it for the block."""
        if not self.shared:
            async with self._local[name]:
                yield
            return
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(name)})
            await connection.commit()
            try:
                yield
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)})
                await connection.commit()

    async def seconds_since(self, name: str) -> float | None:
        """Seconds since the mark `name` was last set (None: never), by the database's clock."""
        async with self.engine.connect() as connection:
            updated = (await connection.execute(
                select(CoordinationMark.updated_at).where(CoordinationMark.name == name))).scalar_one_or_none()
            return None if updated is None else (await _now(connection) - updated).total_seconds()

    async def value(self, name: str) -> str | None:
        async with self.engine.connect() as connection:
            return (await connection.execute(
                select(CoordinationMark.value).where(CoordinationMark.name == name))).scalar_one_or_none()

    async def set_mark(self, name: str, value: str = "") -> None:
        async with self.engine.begin() as connection:
            now = await _now(connection)
            updated = await connection.execute(update(CoordinationMark).where(
                CoordinationMark.name == name).values(value=value, updated_at=now))
            if updated.rowcount == 0:
                await connection.execute(insert(CoordinationMark).values(name=name, value=value, updated_at=now))

    async def notify_guild_changed(self, guild_id: int) -> None:
        """For writers outside guild_settings (whose trigger already notifies): other processes drop their cache."""
        if self.shared:
            async with self.engine.begin() as connection:
                await connection.execute(text("SELECT pg_notify(:channel, :guild)"),
                                         {"channel": GUILD_CHANGED, "guild": str(guild_id)})

    @contextlib.asynccontextmanager
    async def guild_changes(self, on_change: Callable[[int], object],
                            on_gap: Callable[[], object] = lambda: None) -> AsyncIterator[None]:
        """Call `on_change(guild_id)` for every guild another writer changes, while the block runs. A lost
        connection (a database restart, a network cut) is opened again; changes made meanwhile went unheard,
        so `on_gap()` is called once it listens again."""
        if not self.shared:
            yield
            return

        def received(_connection: object, _pid: int, _channel: str, payload: str) -> None:
            if payload.isdigit():
                on_change(int(payload))

        first = await self._listen(received)  # a database that cannot be reached at start is an error
        keeper = asyncio.create_task(self._keep_listening(first, received, on_gap), name="guild-changes")
        try:
            yield
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _listen(self, received: Callable[..., None]) -> tuple[Any, asyncio.Event]:
        url = self.engine.url.set(drivername="postgresql")
        connection = await asyncpg.connect(url.render_as_string(hide_password=False))
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(GUILD_CHANGED, received)
        return connection, lost

    async def _keep_listening(self, listening: tuple[Any, asyncio.Event], received: Callable[..., None],
                              on_gap: Callable[[], object]) -> None:
        connection, lost = listening
        delay = 1.0
        try:
            while True:
                await lost.wait()
                log.info("event=guild_changes_lost action=listen_again")  # the outage is logged once, elsewhere
                while True:
                    try:
                        connection, lost = await self._listen(received)
                        break
                    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, 30.0)
                delay = 1.0
                log.info("event=guild_changes_listening_again")
                on_gap()
        finally:
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)


async def _now(connection: AsyncConnection) -> datetime:
    """One clock for every machine of the cluster: the database's."""
    if connection.dialect.name == "postgresql":
        now: datetime = (await connection.execute(text("SELECT clock_timestamp()"))).scalar_one()
        return now.astimezone(UTC)
    return datetime.now(UTC)
