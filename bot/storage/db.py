"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg) from one URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers never block the batched writer
    "PRAGMA synchronous=NORMAL",  # durable at every checkpoint, safe with WAL
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


def make_engine(database_url: str | URL) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _ensure_parent_directory(url)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _apply_sqlite_pragmas)
        return engine
    engine = create_async_engine(url)
    event.listen(engine.sync_engine.pool, "checkout", _refuse_closed_connection)
    return engine


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _ensure_parent_directory(url: URL) -> None:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _refuse_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server closed (restart, termination) is replaced before use.

    asyncpg sees the server's goodbye on the idle socket, so this costs no round trip where `pool_pre_ping`
    costs one per checkout: a third of a one-statement read. A connection lost without a goodbye fails its
    next statement, which the pool then invalidates and the outage path retries.
    """
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def _apply_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def redact(database_url: str | URL) -> str:
    """The URL as it may appear in a log line: never with its password."""
    return make_url(database_url).render_as_string(hide_password=True)
