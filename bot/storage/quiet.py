"""Queries behind /connections and the quiet-connections digest. Every query names its guild, but the sweep."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.core.model import InteractionKind, TimedInteraction
from bot.core.quiet import ConnectionHistory, DigestEvery
from bot.storage._util import aware
from bot.storage.db import sessions
from bot.storage.models import Follow, InteractionEvent, Member


@dataclass(frozen=True, slots=True)
class DigestSubscription:
    guild_id: int
    user_id: int
    every: DigestEvery
    quiet_days: int
    last_sent: datetime  # or when they subscribed


class QuietStore:
    def __init__(self, engine: AsyncEngine, insert: Callable[..., Any]) -> None:
        self._sessions: async_sessionmaker[AsyncSession] = sessions(engine)
        self._insert = insert

    async def histories(self, guild_id: int, user_id: int) -> list[ConnectionHistory]:
        """Every mutual follow of `user_id`, since when, with the interactions both ways since then."""
        mine, theirs = aliased(Follow), aliased(Follow)
        pairs = select(mine.followee_id, mine.since, theirs.since).join(theirs, and_(
            theirs.guild_id == mine.guild_id, theirs.follower_id == mine.followee_id,
            theirs.followee_id == mine.follower_id)).where(mine.guild_id == guild_id, mine.follower_id == user_id)
        e = InteractionEvent
        async with self._sessions() as session:
            connected = {partner: max(aware(a), aware(b)) for partner, a, b in (await session.execute(pairs)).all()}
            if not connected:
                return []
            events = (await session.execute(select(e.actor_id, e.target_id, e.kind, e.occurred_at).where(
                e.guild_id == guild_id, e.occurred_at >= min(connected.values()),
                or_(and_(e.actor_id == user_id, e.target_id.in_(list(connected))),
                    and_(e.target_id == user_id, e.actor_id.in_(list(connected))))))).all()
        both_ways: dict[int, list[TimedInteraction]] = {partner: [] for partner in connected}
        for actor, target, kind, at in events:
            partner = target if actor == user_id else actor
            both_ways[partner].append(TimedInteraction(actor, InteractionKind(kind), aware(at)))
        return [ConnectionHistory(partner, since, both_ways[partner]) for partner, since in connected.items()]

    async def subscription(self, guild_id: int, user_id: int) -> DigestSubscription | None:
        async with self._sessions() as session:
            member = await session.get(Member, (guild_id, user_id))
        return _subscription(member) if member is not None else None

    async def subscribe(self, guild_id: int, user_id: int, every: DigestEvery | None, quiet_days: int,
                        now: datetime) -> None:
        """Opt in (or with None, out); the first digest comes one period from now."""
        values = {"digest_every": every.value if every else None, "digest_quiet_days": quiet_days if every else None,
                  "digest_sent_at": now if every else None}
        statement = self._insert(Member).values(guild_id=guild_id, user_id=user_id, first_seen=now, **values)
        statement = statement.on_conflict_do_update(index_elements=[Member.guild_id, Member.user_id], set_=values)
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def subscriptions(self) -> list[DigestSubscription]:
        """Every opted-in member of every guild: the digest sweep decides which are due."""
        query = select(Member).where(Member.digest_every.is_not(None), Member.left_at.is_(None))
        async with self._sessions() as session:
            members = list((await session.execute(query)).scalars())
        return [s for s in (_subscription(member) for member in members) if s is not None]

    async def mark_sent(self, guild_id: int, user_id: int, now: datetime) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(Member).where(Member.guild_id == guild_id, Member.user_id == user_id)
                                  .values(digest_sent_at=now))


def _subscription(member: Member) -> DigestSubscription | None:
    if member.digest_every not in set(DigestEvery) or member.digest_sent_at is None:
        return None
    return DigestSubscription(member.guild_id, member.user_id, DigestEvery(member.digest_every),
                              member.digest_quiet_days or 30, aware(member.digest_sent_at))
