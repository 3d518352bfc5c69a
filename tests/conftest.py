"""Shared fixtures: a migrated database on SQLite and, where reachable, PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import Store, make_engine
from bot.storage.migrate import upgrade

pytest_plugins = ["tests.browser"]

POSTGRES_URL = os.environ.get("QUIDPRONO_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
# CI sets this: there a PostgreSQL that cannot be reached is a failure, not a skip.
REQUIRE_POSTGRES = os.environ.get("QUIDPRONO_REQUIRE_POSTGRES") == "1"


async def _admin(statement: str) -> None:
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the local PostgreSQL server for this test session."""
    name = f"quidprono_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        reason = f"PostgreSQL not reachable at {make_url(POSTGRES_URL).render_as_string()}: {error!s:.200}"
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (QUIDPRONO_REQUIRE_POSTGRES=1: CI must not skip these tests)")
        print(f"\nSKIP: {reason}")
        pytest.skip(reason)
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not yet migrated, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'quidprono.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    # Each test starts empty: drop what this test created.
    from bot.storage.migrate import downgrade

    downgrade(url, "base")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    await asyncio.to_thread(upgrade, database_url)
    store = Store(make_engine(database_url))
    yield store
    await store.close()
