"""Ingest: events/s through the batched write path, against the fastest raw load of the same rows.

SQLite: against raw sqlite3 executemany. Both sides write the same rows into the same migrated schema (same
indexes, same pragmas), one transaction per batch of the configured size, so the ratio is the cost of the
project's layers. PostgreSQL: against asyncpg's `copy_records_to_table` (COPY, binary) of the same rows into
a second fresh migrated database, one COPY per batch; the ratio is what the project's write path (statement,
first-seen upsert, idempotence) costs beside the bulk-load floor.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from bench._bulk import asyncpg_dsn
from bench._db import fresh_postgres, fresh_sqlite
from bot.core.model import Interaction, InteractionKind
from bot.core.settings import Settings
from bot.storage import EventBatcher, Store, make_engine
from bot.storage.db import SQLITE_PRAGMAS
from bot.storage.store import EVENT_COLUMNS

EVENTS = 200_000
BACKENDS = os.environ.get("QPN_INGEST_BACKENDS", "sqlite,postgresql").split(",")
KINDS = list(InteractionKind)


def make_events(count: int, seed: int = 7) -> list[Interaction]:
    rng = random.Random(seed)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    return [
        Interaction(guild_id=1, actor_id=rng.randrange(10_000), target_id=rng.randrange(10_000),
                    kind=rng.choice(KINDS), channel_id=rng.randrange(20), source_id=i,
                    occurred_at=start + timedelta(seconds=i * 13))
        for i in range(count)
    ]


async def project_rate(url: str, events: list[Interaction], batch_size: int) -> float:
    store = Store(make_engine(url))
    batcher = EventBatcher(store, batch_size=batch_size, interval=3600)
    started = time.perf_counter()
    batcher.extend(events)
    await batcher.flush()
    elapsed = time.perf_counter() - started
    await store.close()
    return len(events) / elapsed


def raw_rate(path: Path, events: list[Interaction], batch_size: int) -> float:
    rows = [(e.guild_id, e.actor_id, e.target_id, e.kind.value, e.channel_id, e.source_id,
             e.occurred_at.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")) for e in events]
    connection = sqlite3.connect(path)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    sql = ("INSERT INTO interaction_events (guild_id, actor_id, target_id, kind, channel_id, source_id, occurred_at)"
           " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
    started = time.perf_counter()
    for start in range(0, len(rows), batch_size):
        with connection:
            connection.executemany(sql, rows[start:start + batch_size])
    elapsed = time.perf_counter() - started
    connection.close()
    return len(rows) / elapsed


async def copy_rate(url: str, events: list[Interaction], batch_size: int) -> float:
    rows = [(e.guild_id, e.actor_id, e.target_id, e.kind.value, e.channel_id, e.source_id, e.occurred_at)
            for e in events]
    connection = await asyncpg.connect(asyncpg_dsn(url))
    started = time.perf_counter()
    for start in range(0, len(rows), batch_size):
        await connection.copy_records_to_table("interaction_events", records=rows[start:start + batch_size],
                                               columns=list(EVENT_COLUMNS))
    elapsed = time.perf_counter() - started
    await connection.close()
    return len(rows) / elapsed


async def postgres_rates(events: list[Interaction], batch_size: int) -> tuple[float, float]:
    async with fresh_postgres() as project_url, fresh_postgres() as copy_url:
        copied = await copy_rate(copy_url, events, batch_size)
        ours = await project_rate(project_url, events, batch_size)
    return ours, copied


def main() -> None:
    events = make_events(EVENTS)
    configured = Settings().ingest.batch_size
    if "postgresql" in BACKENDS:
        for batch_size in (configured, 5_000):
            ours, copied = asyncio.run(postgres_rates(events, batch_size))
            print(f"ingest postgresql batch={batch_size:>5}: project {ours:>9,.0f} events/s   asyncpg COPY "
                  f"{copied:>9,.0f} events/s   ratio {ours / copied:.2f}x (target >= 0.5x) "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    if "sqlite" not in BACKENDS:
        return
    configured = Settings().ingest.batch_size
    for batch_size in (configured, 5_000):
        with tempfile.TemporaryDirectory() as directory:
            project_url, _ = fresh_sqlite(Path(directory), "project")
            _, raw_path = fresh_sqlite(Path(directory), "raw")
            raw = raw_rate(raw_path, events, batch_size)
            ours = asyncio.run(project_rate(project_url, events, batch_size))
        print(f"ingest batch={batch_size:>5}: project {ours:>9,.0f} events/s   raw sqlite3 executemany "
              f"{raw:>9,.0f} events/s   ratio {ours / raw:.2f}x (target >= 0.5x)")


if __name__ == "__main__":
    main()
