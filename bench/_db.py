"""Fresh, migrated SQLite databases for benchmarks."""

from __future__ import annotations

from pathlib import Path

from bot.storage.migrate import upgrade


def fresh_sqlite(directory: Path, name: str) -> tuple[str, Path]:
    path = directory / f"{name}.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url, path
