"""One backfill per guild across every process and the terminal: a lease row, renewed while it runs.

Taking the lease is one INSERT .. ON CONFLICT DO UPDATE that only overwrites a lease gone stale (its holder
died without releasing it), so two takers can never both win. A Cancel from anywhere is left on the row; the
holder sees it at its next renewal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.models import BackfillLease

log = logging.getLogger(__name__)

RENEW_SECONDS = 2.0  # how often a holder renews, and so how soon it hears a Cancel
STALE_AFTER = timedelta(seconds=30)  # a lease not renewed for this long belonged to a process that died


def holder_name(role: str) -> str:
    """Who holds a lease, as a moderator reads it: the bot or the terminal, on which machine, which process."""
    return f"{role} on {socket.gethostname()} (pid {os.getpid()})"[:128]


@dataclass(frozen=True, slots=True)
class Holder:
    name: str
    started_at: datetime

    def describe(self) -> str:
        return f"{self.name}, started {self.started_at:%Y-%m-%d %H:%M} UTC"


class BackfillLeases:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def acquire(self, guild_id: int, holder: str) -> Holder | None:
        """Take the guild's lease: None when taken, else who holds it."""
        now = datetime.now(UTC)
        values = {"holder": holder, "started_at": now, "renewed_at": now, "cancel_requested": False}
        statement = self._insert(BackfillLease).values(guild_id=guild_id, **values)
        statement = statement.on_conflict_do_update(
            index_elements=[BackfillLease.guild_id], set_=values,
            where=(BackfillLease.renewed_at < now - STALE_AFTER) | (BackfillLease.holder == holder))
        async with self.engine.begin() as connection:
            taken = (await connection.execute(statement.returning(BackfillLease.holder))).first()
            if taken is not None:
                return None
            row = (await connection.execute(select(BackfillLease.holder, BackfillLease.started_at).where(
                BackfillLease.guild_id == guild_id))).one()
        return Holder(row.holder, row.started_at)

    async def renew(self, guild_id: int, holder: str) -> bool:
        """Keep the lease; True when someone asked the holder to stop (or the lease was lost)."""
        async with self.engine.begin() as connection:
            cancelled = (await connection.execute(update(BackfillLease).where(
                BackfillLease.guild_id == guild_id, BackfillLease.holder == holder).values(
                renewed_at=datetime.now(UTC)).returning(BackfillLease.cancel_requested))).scalar_one_or_none()
        return cancelled is None or cancelled

    async def release(self, guild_id: int, holder: str) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(delete(BackfillLease).where(
                BackfillLease.guild_id == guild_id, BackfillLease.holder == holder))

    async def request_cancel(self, guild_id: int) -> Holder | None:
        """Ask whoever holds the guild's live lease to stop; who that is (None: nobody)."""
        async with self.engine.begin() as connection:
            row = (await connection.execute(update(BackfillLease).where(
                BackfillLease.guild_id == guild_id,
                BackfillLease.renewed_at >= datetime.now(UTC) - STALE_AFTER).values(cancel_requested=True).returning(
                BackfillLease.holder, BackfillLease.started_at))).first()
        return None if row is None else Holder(row.holder, row.started_at)

    async def keep(self, guild_id: int, holder: str, cancel: asyncio.Event) -> None:
        """Renew until cancelled (run it as a task beside the backfill); a Cancel left on the row sets `cancel`."""
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                if await self.renew(guild_id, holder):
                    log.info("event=backfill_cancel_received guild_id=%s", guild_id)
                    cancel.set()
                    return
            except Exception:  # a database hiccup: try again at the next renewal, well before the lease goes stale
                log.warning("event=backfill_lease_renew_failed guild_id=%s", guild_id, exc_info=True)
