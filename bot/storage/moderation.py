"""Queries behind the moderator tools: statistics, dry-run histories, backfill cursors. Every query names its guild."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.model import (
    AuditAction,
    Outcome,
    RequestStatus,
)
from bot.core.scoring import HistorySpan, PairHistory
from bot.core.simulate import DemandToReplay
from bot.core.stats import DemandRow
from bot.storage._util import aware
from bot.storage.db import sessions
from bot.storage.models import (
    AuditEntry,
    BackfillCursor,
    ConnectionRequest,
    Demand,
)
from bot.storage.store import Store


@dataclass(frozen=True, slots=True)
class Cursor:
    channel_id: int
    before_id: int | None
    messages_read: int
    done: bool


class ModerationStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine
        self._sessions: async_sessionmaker[AsyncSession] = sessions(store.engine)

    # --- statistics -------------------------------------------------------------------------------

    async def demand_rows(self, guild_id: int, since: datetime) -> list[DemandRow]:
        query = select(Demand.created_at, Demand.requester_id, Demand.outcome, Demand.reasons).where(
            Demand.guild_id == guild_id, Demand.created_at >= since)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [DemandRow(aware(at), requester, Outcome(outcome), _codes(reasons))
                for at, requester, outcome, reasons in rows]

    async def accepted_connections(self, guild_id: int, since: datetime) -> int:
        r = ConnectionRequest
        query = select(func.count()).where(
            r.guild_id == guild_id, r.status == RequestStatus.ACCEPTED, r.decided_at >= since)
        async with self.engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    # --- dry runs ---------------------------------------------------------------------------------

    async def demands_since(self, guild_id: int, since: datetime, limit: int) -> list[DemandToReplay]:
        """The guild's demands made since `since`, oldest first (at most the latest `limit`)."""
        query = (select(Demand.id, Demand.requester_id, Demand.target_id, Demand.outcome, Demand.created_at)
                 .where(Demand.guild_id == guild_id, Demand.created_at >= since)
                 .order_by(Demand.created_at.desc(), Demand.id.desc()).limit(limit))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [DemandToReplay(i, r, t, Outcome(o), aware(at)) for i, r, t, o, at in reversed(rows)]

    async def pair_history(self, guild_id: int, requester_id: int, target_id: int,
                           span: HistorySpan) -> PairHistory:
        return await self.store.pair_history(guild_id, requester_id, target_id, span)

    # --- backfill cursors -------------------------------------------------------------------------

    async def cursors(self, guild_id: int) -> list[Cursor]:
        c = BackfillCursor
        query = select(c.channel_id, c.before_id, c.messages_read, c.done).where(c.guild_id == guild_id)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query.order_by(c.channel_id))).all()
        return [Cursor(channel, before, int(read or 0), bool(done)) for channel, before, read, done in rows]

    async def start_cursors(self, guild_id: int, channel_ids: Sequence[int], now: datetime) -> None:
        """A new backfill: one fresh cursor per channel, replacing any finished ones."""
        async with self._sessions.begin() as session:
            await session.execute(delete(BackfillCursor).where(BackfillCursor.guild_id == guild_id))
            session.add_all(BackfillCursor(guild_id=guild_id, channel_id=channel, before_id=None, messages_read=0,
                                           done=False, updated_at=now) for channel in channel_ids)

    async def save_cursor(self, guild_id: int, cursor: Cursor, now: datetime) -> None:
        c = BackfillCursor
        statement = update(c).where(c.guild_id == guild_id, c.channel_id == cursor.channel_id).values(
            before_id=cursor.before_id, messages_read=cursor.messages_read, done=cursor.done, updated_at=now)
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def unfinished_backfills(self) -> list[int]:
        """Guilds whose last backfill stopped before the end (a restart, a crash): to resume."""
        query = select(BackfillCursor.guild_id).where(BackfillCursor.done == literal(False)).distinct()
        async with self.engine.connect() as connection:
            return sorted(int(guild) for guild in (await connection.execute(query)).scalars())

    async def latest_audit_detail(self, guild_id: int, action: AuditAction) -> dict[str, Any] | None:
        query = (select(AuditEntry.detail).where(AuditEntry.guild_id == guild_id, AuditEntry.action == action)
                 .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(1))
        async with self.engine.connect() as connection:
            detail = (await connection.execute(query)).scalar_one_or_none()
        return dict(detail) if detail is not None else None



def _codes(reasons: object) -> tuple[str, ...]:
    """Reason codes of a stored verdict; anything malformed counts as none."""
    if not isinstance(reasons, list):
        return ()
    return tuple(str(reason["code"]) for reason in reasons if isinstance(reason, dict) and "code" in reason)
