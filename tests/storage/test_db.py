"""Engines: a pooled PostgreSQL connection the server closed is replaced before anyone uses it."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.core.scoring import span_for
from bot.core.settings import Policy
from bot.storage import Store, make_engine
from tests.conftest import _empty_postgres
from tests.factories import GUILD, NOW, interaction


async def test_a_connection_the_server_closed_is_not_used(postgres_migrated: str) -> None:
    await _empty_postgres(postgres_migrated)
    store, admin = Store(make_engine(postgres_migrated)), make_engine(postgres_migrated)
    try:
        await store.write_events([interaction(1, 2, days_ago=1)])
        await asyncio.gather(*(store.event_count(GUILD) for _ in range(3)))  # several connections pooled
        async with admin.connect() as connection:  # each pooled connection's backend, waiting until it is gone
            ended = await connection.execute(text(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            assert set(ended.scalars()) == {True}

        assert await store.event_count(GUILD) == 1
        history = await store.pair_history(GUILD, 1, 2, span_for(Policy(), NOW))
        assert len(history.interactions) == 1
    finally:
        await store.close()
        await admin.dispose()

