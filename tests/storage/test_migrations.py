"""Migrations go up from empty and down to base, and the models never drift from them."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.storage import make_engine
from bot.storage.migrate import downgrade, upgrade
from bot.storage.models import Base


async def _inspect(database_url: str, probe: Any) -> Any:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(probe)
    finally:
        await engine.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _drift(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_up_from_empty_down_to_base(database_url: str) -> None:
    assert await _inspect(database_url, _tables) == set()
    await asyncio.to_thread(upgrade, database_url)
    assert await _inspect(database_url, _tables) == set(Base.metadata.tables)
    await asyncio.to_thread(downgrade, database_url, "base")
    assert await _inspect(database_url, _tables) == set()


async def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    assert await _inspect(database_url, _drift) == []
