"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg) from one URL."""

from __future__ import annotations

import math
import time
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
# A pooled connection idle longer than this is pinged before use: well under the idle timeouts of NATs and
# load balancers (minutes), well over the gaps of a busy bot's reads.
PING_AFTER_IDLE_SECONDS = 10.0


def make_engine(database_url: str | URL) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _ensure_parent_directory(url)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _apply_sqlite_pragmas)
        return engine
    engine = create_async_engine(url)
    _check_on_checkout(engine)
    return engine


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _ensure_parent_directory(url: URL) -> None:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _check_on_checkout(engine: AsyncEngine) -> None:
    """A pooled PostgreSQL connection that is gone is replaced before anyone uses it.

    `pool_pre_ping` would ping at every checkout, three round trips with its BEGIN and ROLLBACK: most of a
    one-statement read. Instead: a connection the server closed (restart, termination) is seen locally, since
    asyncpg reads the server's goodbye on the idle socket; one that sat idle long enough for a NAT or a
    failover to drop it without a word is pinged first.
    """
    dialect = engine.dialect

    def at_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def at_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise exc.DisconnectionError("the server closed this pooled connection")
        if time.monotonic() - record.info.get("idle_since", math.inf) > PING_AFTER_IDLE_SECONDS:
            try:
                dialect.do_ping(dbapi_connection)
            except Exception as error:  # whatever broke it, this connection is unusable: the pool takes a new one
                raise exc.DisconnectionError("a pooled connection idle for a while did not answer") from error

    event.listen(engine.sync_engine.pool, "checkin", at_checkin)
    event.listen(engine.sync_engine.pool, "checkout", at_checkout)


def _apply_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def redact(database_url: str | URL) -> str:
    """The URL as it may appear in a log line: never with its password."""
    return make_url(database_url).render_as_string(hide_password=True)
