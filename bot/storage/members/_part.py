"""What belongs to members, one store a kind of data (an aggregate), each reached through `Store`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.db import sessions


class Part:
    """One aggregate's store: its own sessions on the shared engine, and the dialect's INSERT."""

    def __init__(self, engine: AsyncEngine, insert: Callable[..., Any]) -> None:
        self._sessions: async_sessionmaker[AsyncSession] = sessions(engine)
        self._insert = insert
