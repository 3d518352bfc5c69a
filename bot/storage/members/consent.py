"""Connection requests waiting for the target's consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update

from bot.core.model import RequestStatus
from bot.storage._util import aware, rowcount
from bot.storage.members._part import Part
from bot.storage.models import (
    ConnectionRequest,
)


@dataclass(frozen=True, slots=True)
class PendingRequest:
    id: int
    guild_id: int
    requester_id: int
    target_id: int
    status: RequestStatus
    expires_at: datetime


class ConsentStore(Part):
    async def open_request(self, guild_id: int, requester_id: int, target_id: int, *, demand_id: int | None,
                           now: datetime, expires_at: datetime) -> int | None:
        """The new request's id; None when the pair already has one waiting (opened by any process): the
        unique partial index on pending requests decides, so two openers can never both succeed."""
        r = ConnectionRequest
        pair = (r.guild_id == guild_id, r.requester_id == requester_id, r.target_id == target_id)
        statement = self._insert(r).values(
            guild_id=guild_id, requester_id=requester_id, target_id=target_id, demand_id=demand_id,
            status=RequestStatus.PENDING, created_at=now, expires_at=expires_at,
        ).on_conflict_do_nothing(index_elements=[r.guild_id, r.requester_id, r.target_id],
                                 index_where=r.status == RequestStatus.PENDING.value)
        async with self._sessions.begin() as session:
            # A pending request past its expiry (not yet swept) no longer counts as waiting.
            await session.execute(update(r).where(*pair, r.status == RequestStatus.PENDING, r.expires_at <= now)
                                  .values(status=RequestStatus.EXPIRED, decided_at=now))
            return (await session.execute(statement.returning(r.id))).scalar_one_or_none()

    async def asked_recently(self, guild_id: int, requester_id: int, target_id: int, now: datetime,
                             since: datetime) -> bool:
        """Whether the target already has this requester's request waiting, or said "not now" since `since`."""
        r = ConnectionRequest
        query = select(func.count()).where(
            r.guild_id == guild_id, r.requester_id == requester_id, r.target_id == target_id,
            or_(and_(r.status == RequestStatus.PENDING, r.expires_at > now),
                and_(r.status == RequestStatus.DECLINED, r.decided_at >= since)))
        async with self._sessions() as session:
            return bool((await session.execute(query)).scalar_one())

    async def request(self, request_id: int) -> PendingRequest | None:
        async with self._sessions() as session:
            row = await session.get(ConnectionRequest, request_id)
        if row is None:
            return None
        return PendingRequest(row.id, row.guild_id, row.requester_id, row.target_id, RequestStatus(row.status),
                              aware(row.expires_at))

    async def settle_request(self, request_id: int, status: RequestStatus, now: datetime) -> bool:
        """Answer a pending, unexpired request exactly once; False when it was not pending any more."""
        async with self._sessions.begin() as session:
            result = await session.execute(update(ConnectionRequest).where(
                ConnectionRequest.id == request_id, ConnectionRequest.status == RequestStatus.PENDING,
                ConnectionRequest.expires_at > now).values(status=status, decided_at=now))
        return rowcount(result) == 1

    async def expire_requests(self, now: datetime) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(update(ConnectionRequest).where(
                ConnectionRequest.status == RequestStatus.PENDING, ConnectionRequest.expires_at <= now)
                .values(status=RequestStatus.EXPIRED, decided_at=now))
        return rowcount(result)
