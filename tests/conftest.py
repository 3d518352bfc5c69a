"""Shared fixtures: databases on SQLite and, where reachable, PostgreSQL.

No storage test migrates: each backend is migrated once per run, and every test gets that schema
with no rows in it (a copy of a template file on SQLite, the session's database emptied on
PostgreSQL). Only the migration tests themselves start from an empty database.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import Store, make_engine
from bot.storage.migrate import downgrade, upgrade
from bot.storage.models import Base

pytest_plugins = ["tests.browser"]

POSTGRES_URL = os.environ.get("QUIDPRONO_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
# CI sets this: there a PostgreSQL that cannot be reached is a failure, not a skip.
REQUIRE_POSTGRES = os.environ.get("QUIDPRONO_REQUIRE_POSTGRES") == "1"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _admin(*statements: str) -> None:
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _postgres_reachable() -> None:
    try:
        asyncio.run(_admin("SELECT 1"))
    except Exception as error:
        reason = f"PostgreSQL not reachable at {make_url(POSTGRES_URL).render_as_string()}: {error!s:.200}"
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (QUIDPRONO_REQUIRE_POSTGRES=1: CI must not skip these tests)")
        print(f"\nSKIP: {reason}")
        pytest.skip(reason)


@contextlib.contextmanager
def _postgres_database() -> Iterator[str]:
    """A new, empty database on the local server for this session (or a skip): its URL."""
    _postgres_reachable()
    name = f"quidprono_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the local PostgreSQL server for this test session."""
    with _postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """A PostgreSQL database migrated to head once per session; `_empty_postgres` clears it per test.
    (Cheaper here than `CREATE DATABASE ... TEMPLATE`, whose create and drop each wait on a checkpoint.)"""
    with _postgres_database() as url:
        upgrade(url)
        yield url


async def _empty_postgres(url: str) -> None:
    """Every table emptied and every id sequence restarted: as good as freshly migrated, in milliseconds."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
            await connection.execute(text("SELECT setval(oid::regclass, 1, false) FROM pg_class "
                                          "WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"))
    finally:
        await engine.dispose()


@functools.cache
def sqlite_template() -> Path:
    """A SQLite file migrated to head, once per test run: copy it (`migrated_sqlite`), never write to it."""
    directory = Path(tempfile.mkdtemp(prefix="quidprono-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    # In a thread of its own: Alembic runs its own event loop, and a test's loop may be running here.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(upgrade, sqlite_url(directory / "quidprono.db")).result()
    return directory / "quidprono.db"


def migrated_sqlite(directory: Path, name: str = "quidprono.db") -> str:
    """A private copy of the migrated template in `directory`: its URL."""
    path = directory / name
    shutil.copyfile(sqlite_template(), path)
    return sqlite_url(path)


def reused_or_migrated_sqlite(path: Path) -> str:
    """The URL of `path`: what an earlier bot left there, else a copy of the migrated template."""
    return sqlite_url(path) if path.exists() else migrated_sqlite(path.parent, path.name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not yet migrated, on each backend (for the migration tests)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "quidprono.db")
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    downgrade(url, "base")  # the next test starts empty


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at the head revision with no rows, on each backend, without migrating per test."""
    if request.param == "sqlite":
        return migrated_sqlite(tmp_path)
    url: str = request.getfixturevalue("postgres_migrated")
    asyncio.run(_empty_postgres(url))
    return url


@pytest.fixture
async def store(migrated_url: str) -> AsyncIterator[Store]:
    store = Store(make_engine(migrated_url))
    yield store
    await store.close()
