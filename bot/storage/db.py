"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg) from one URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
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
    return create_async_engine(url, pool_pre_ping=True)


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _ensure_parent_directory(url: URL) -> None:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _apply_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def redact(database_url: str | URL) -> str:
    """The URL as it may appear in a log line: never with its password."""
    return make_url(database_url).render_as_string(hide_password=True)
