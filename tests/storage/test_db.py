"""PostgreSQL specifics: pooled connections that are gone are replaced before use; a batch leaves known members
alone."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.core.scoring import span_for
from bot.core.settings import Policy
from bot.storage import Store, db, make_engine
from tests.conftest import _empty_postgres
from tests.factories import GUILD, NOW, interaction


@pytest.fixture
async def store(postgres_migrated: str) -> AsyncIterator[Store]:
    await _empty_postgres(postgres_migrated)
    store = Store(make_engine(postgres_migrated))
    yield store
    await store.close()


async def test_a_connection_the_server_closed_is_not_used(store: Store, postgres_migrated: str) -> None:
    await store.write_events([interaction(1, 2, days_ago=1)])
    await asyncio.gather(*(store.event_count(GUILD) for _ in range(3)))  # several connections pooled
    admin = make_engine(postgres_migrated)
    try:
        async with admin.connect() as connection:  # each pooled connection's backend, waiting until it is gone
            ended = await connection.execute(text(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"))
            assert set(ended.scalars()) == {True}
    finally:
        await admin.dispose()

    assert await store.event_count(GUILD) == 1
    history = await store.pair_history(GUILD, 1, 2, span_for(Policy(), NOW))
    assert len(history.interactions) == 1


class SilentRelay:
    """Relays to PostgreSQL; `forget` drops every flow without a word to either side, as a NAT's idle timeout or
    a failover does: the client learns of it only when it next writes (its packet is answered by a reset)."""

    def __init__(self) -> None:
        self.generation = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    def forget(self) -> None:
        self.generation += 1

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", 5432)
        generation = self.generation

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    if self.generation != generation:
                        writer.transport.abort()
                        upstream_writer.transport.abort()
                        return
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


async def test_a_connection_dropped_without_a_word_is_pinged_after_idling(
        postgres_migrated: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every checkout has idled long enough
    await _empty_postgres(postgres_migrated)
    relay = SilentRelay()
    url = make_url(postgres_migrated).set(host="127.0.0.1", port=await relay.start())
    store = Store(make_engine(url))
    try:
        await store.write_events([interaction(1, 2, days_ago=1)])
        relay.forget()
        assert await store.event_count(GUILD) == 1  # not "connection was closed in the middle of operation"
    finally:
        await store.close()
        relay.server.close()


async def test_a_batch_does_not_touch_members_known_as_early(store: Store) -> None:
    """ON CONFLICT ... DO UPDATE locks (sets xmax on) every row it meets, even where its WHERE says no."""
    await store.write_events([interaction(1, 2, days_ago=10)])
    await store.write_events([interaction(1, 3, days_ago=5), interaction(4, 3, days_ago=5)])
    async with store.engine.connect() as connection:
        rows: dict[int, str] = dict((await connection.execute(text("SELECT user_id, xmax::text FROM members"))).all())
    assert rows == {1: "0", 4: "0"}
    history = await store.pair_history(GUILD, 1, 2, span_for(Policy(), NOW))
    assert history.standing.first_seen == NOW - timedelta(days=10)
