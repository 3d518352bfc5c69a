"""Bulk-loading a generated history into a migrated SQLite file or PostgreSQL database, kept for the next run.

The migrated schema is used as it is; only the interaction indexes are dropped during the load and built again
after it (from the models' own definitions), which is much faster than maintaining them row by row.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from collections.abc import Iterable
from datetime import UTC, datetime

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.schema import CreateIndex, CreateTable

from bench._history import CACHE, GENERATOR, GUILD, POSTGRES, History
from bot.storage.migrate import upgrade
from bot.storage.models import Base

CHUNK = 500_000
EVENT_COLUMNS = ["guild_id", "actor_id", "target_id", "kind", "channel_id", "source_id", "occurred_at"]
MEMBER_COLUMNS = ["guild_id", "user_id", "first_seen", "requests_from", "auto_accept", "explain_via", "bar"]
SQLITE_TIME = "strftime('%Y-%m-%d %H:%M:%S.000000', ?, 'unixepoch')"  # SQLAlchemy's SQLite DATETIME format


def _tag(history: History) -> str:
    """Named after the schema of the tables a decision reads (not the head revision: a migration elsewhere
    does not invalidate a 10M-row build)."""
    tables = [Base.metadata.tables[name] for name in ("interaction_events", "members", "follows", "demands")]
    ddl = "".join(str(CreateTable(table).compile(dialect=sqlite.dialect())) for table in tables)
    ddl += "".join(statement for _, statement in _index_ddl(sqlite.dialect()))
    return f"decide_{history.events}_{hashlib.sha1(ddl.encode()).hexdigest()[:10]}_g{GENERATOR}"


def _index_ddl(dialect: Dialect) -> list[tuple[str, str]]:
    return sorted((str(index.name), str(CreateIndex(index).compile(dialect=dialect)))
            for index in Base.metadata.tables["interaction_events"].indexes)


def sqlite_history(history: History) -> str:
    """The URL of a SQLite file holding `history`, built unless a previous run left it."""
    path = CACHE / f"{_tag(history)}.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        upgrade(f"sqlite+aiosqlite:///{building}")
        _load_sqlite(history, building)
        building.rename(path)
        print(f"built {path} in {time.perf_counter() - started:.0f} s", flush=True)
    return f"sqlite+aiosqlite:///{path}"


def _load_sqlite(history: History, path: object) -> None:
    connection = sqlite3.connect(str(path))
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-400000")
    indexes = _index_ddl(sqlite.dialect())
    for name, _ in indexes:
        connection.execute(f"DROP INDEX {name}")
    events = (f"INSERT INTO interaction_events ({', '.join(EVENT_COLUMNS)}) "
              f"VALUES ({GUILD}, ?, ?, ?, ?, ?, {SQLITE_TIME})")
    for start in range(0, history.events, CHUNK):
        with connection:
            connection.executemany(events, history.rows(start, start + CHUNK))
    members = (f"INSERT INTO members ({', '.join(MEMBER_COLUMNS)}) "
               f"VALUES ({GUILD}, ?, {SQLITE_TIME}, 'everyone', 0, 'ephemeral', 'balanced')")
    with connection:
        connection.executemany(members, history.first_seen())
        for _, ddl in indexes:
            connection.execute(ddl)
    connection.close()


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_history(history: History) -> str:
    """The URL of a PostgreSQL database holding `history`, built unless a previous run left it complete."""
    name = _tag(history)
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    admin = await asyncpg.connect(asyncpg_dsn(POSTGRES))
    try:
        marker = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name)
        if marker == "complete":
            return url
        started = time.perf_counter()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        await asyncio.to_thread(upgrade, url)
        await _load_postgres(history, asyncpg_dsn(url))
        await admin.execute(f"COMMENT ON DATABASE \"{name}\" IS 'complete'")
        print(f"built PostgreSQL database {name} in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        await admin.close()
    return url


async def _load_postgres(history: History, dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        indexes = _index_ddl(postgresql.dialect())  # type: ignore[no-untyped-call]
        for name, _ in indexes:
            await connection.execute(f"DROP INDEX {name}")
        for start in range(0, history.events, CHUNK):
            await connection.copy_records_to_table(
                "interaction_events", columns=EVENT_COLUMNS, records=_pg_events(history.rows(start, start + CHUNK)))
        await connection.copy_records_to_table("members", columns=MEMBER_COLUMNS, records=[
            (GUILD, member, _utc(at), "everyone", False, "ephemeral", "balanced")
            for member, at in history.first_seen()])
        await connection.execute("SET maintenance_work_mem = '256MB'")
        for _, ddl in indexes:
            await connection.execute(ddl)
        # What autovacuum does to a table this size soon after a load: statistics and the visibility map.
        await connection.execute("VACUUM ANALYZE interaction_events")
        await connection.execute("VACUUM ANALYZE members")
    finally:
        await connection.close()


def _pg_events(rows: Iterable[tuple[int, int, str, int, int, int]]) -> list[tuple[object, ...]]:
    return [(GUILD, actor, target, kind, channel, source, _utc(at))
            for actor, target, kind, channel, source, at in rows]


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
