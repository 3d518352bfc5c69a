"""Follows, the feed of followed members' posts, and who already engages both ways (suggestions)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select

from bot.core.model import RequestsFrom
from bot.storage._util import aware, rowcount
from bot.storage.members._part import Part
from bot.storage.models import (
    Follow,
    InteractionEvent,
    Member,
    Post,
)


@dataclass(frozen=True, slots=True)
class FeedItem:
    channel_id: int
    message_id: int
    author_id: int
    created_at: datetime


class FollowStore(Part):
    async def follow(self, guild_id: int, follower_id: int, followee_id: int, via: str, now: datetime) -> bool:
        """Record a follow; False when it already existed."""
        statement = self._insert(Follow).values(
            guild_id=guild_id, follower_id=follower_id, followee_id=followee_id, since=now, via=via
        ).on_conflict_do_nothing()
        async with self._sessions.begin() as session:
            return rowcount(await session.execute(statement)) > 0

    async def unfollow(self, guild_id: int, follower_id: int, followee_id: int) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(Follow).where(
                Follow.guild_id == guild_id, Follow.follower_id == follower_id, Follow.followee_id == followee_id))
        return rowcount(result) > 0

    async def following(self, guild_id: int, user_id: int) -> list[int]:
        return await self._ids(select(Follow.followee_id).where(
            Follow.guild_id == guild_id, Follow.follower_id == user_id).order_by(Follow.since))

    async def followers(self, guild_id: int, user_id: int) -> list[int]:
        return await self._ids(select(Follow.follower_id).where(
            Follow.guild_id == guild_id, Follow.followee_id == user_id).order_by(Follow.since))

    async def _ids(self, query: Select[int]) -> list[int]:
        async with self._sessions() as session:
            return list((await session.execute(query)).scalars())

    async def feed(self, guild_id: int, user_id: int, visible_channels: Collection[int], *, limit: int,
                   offset: int) -> tuple[list[FeedItem], int]:
        """Newest posts by the people `user_id` follows, only in channels they can see, and how many in all."""
        followed = select(Follow.followee_id).where(Follow.guild_id == guild_id, Follow.follower_id == user_id)
        where = and_(Post.guild_id == guild_id, Post.author_id.in_(followed),
                     Post.channel_id.in_(list(visible_channels)))
        async with self._sessions() as session:
            total = (await session.execute(select(func.count()).select_from(Post).where(where))).scalar_one()
            rows = (await session.execute(
                select(Post.channel_id, Post.message_id, Post.author_id, Post.created_at).where(where)
                .order_by(Post.created_at.desc(), Post.id.desc()).limit(limit).offset(offset))).all()
        return [FeedItem(c, m, a, aware(at)) for c, m, a, at in rows], int(total)

    async def mutual_partners(self, guild_id: int, user_id: int, since: datetime, *, min_each_way: int,
                              exclude: Collection[int], limit: int) -> list[int]:
        """Members with whom `user_id` already interacts both ways, who take requests, busiest first."""
        # One statement, however many candidates (it was one query per candidate, up to 100 per Why? press).
        e, m = InteractionEvent, Member
        def counts(whom: Any, other: Any, name: str) -> Any:
            return (select(other.label("partner"), func.count().label("n")).where(
                e.guild_id == guild_id, whom == user_id, e.occurred_at >= since)
                .group_by(other).having(func.count() >= min_each_way).subquery(name))
        out, back = counts(e.actor_id, e.target_id, "outgoing"), counts(e.target_id, e.actor_id, "back")
        query = (select(out.c.partner).join(back, back.c.partner == out.c.partner)
                 .outerjoin(m, (m.guild_id == guild_id) & (m.user_id == out.c.partner))
                 .where(out.c.partner.not_in(list(exclude) or [-1]),
                        or_(m.requests_from.is_(None), m.requests_from != RequestsFrom.NOBODY.value))
                 .order_by(out.c.n.desc(), out.c.partner).limit(limit))
        async with self._sessions() as session:
            return list((await session.scalars(query)).all())
