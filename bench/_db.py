"""Fresh, migrated databases for benchmarks: SQLite files, PostgreSQL databases dropped after use."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from bench._bulk import asyncpg_dsn
from bench._history import POSTGRES
from bot.storage.migrate import upgrade


def fresh_sqlite(directory: Path, name: str) -> tuple[str, Path]:
    path = directory / f"{name}.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url, path


@contextlib.asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    name = f"qpn_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(POSTGRES))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
