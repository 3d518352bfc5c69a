"""Migrations go up from empty and down to base, and the models never drift from them."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.core.model import SpecialActor
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


def _audit_rows(connection: Connection) -> list[tuple[str, int]]:
    return [(row.action, row.actor_id) for row in connection.execute(
        text("SELECT action, actor_id FROM audit_log ORDER BY id"))]


async def test_0012_tells_old_terminal_entries_from_a_forgotten_members(database_url: str) -> None:
    """Bug 10.8b on rows written before the fix: both actors were 0. The terminal only ever started backfills,
    so those become the terminal's (-1); every other entry by 0 stays a forgotten member's; members keep theirs."""
    await asyncio.to_thread(upgrade, database_url, "0011_erasures")

    def old_rows(connection: Connection) -> None:
        for actor, action in ((0, "backfill_started"), (0, "backfill_resumed"), (0, "policy_set"),
                              (0, "terms_cleared"), (42, "backfill_started"), (42, "policy_reset")):
            connection.execute(text("INSERT INTO audit_log (guild_id, actor_id, action, detail, created_at) "
                                    f"VALUES (1, {actor}, '{action}', '{{}}', '2026-12-01 00:00:00')"))
        connection.commit()

    await _inspect(database_url, old_rows)
    await asyncio.to_thread(upgrade, database_url)
    terminal, forgotten = SpecialActor.TERMINAL, SpecialActor.FORGOTTEN
    assert await _inspect(database_url, _audit_rows) == [
        ("backfill_started", terminal), ("backfill_resumed", terminal), ("policy_set", forgotten),
        ("terms_cleared", forgotten), ("backfill_started", 42), ("policy_reset", 42)]
    await asyncio.to_thread(downgrade, database_url, "0011_erasures")
    assert {actor for _, actor in await _inspect(database_url, _audit_rows)} == {0, 42}
