"""Where the bot's record of each channel ends: what catch-up after a gap reads history from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage._util import aware
from bot.storage.models import CatchUpMark, Demand, Post


@dataclass(frozen=True, slots=True)
class LastPost:
    """The newest member message recorded in a channel (what a conversation turn continues from)."""

    message_id: int
    author_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ChannelEdge:
    channel_id: int
    last_id: int | None  # the newest message recorded there, post or demand (None: nothing recorded)
    last_post: LastPost | None


class Edges:
    def __init__(self, engine: AsyncEngine, insert: Callable[..., Any]) -> None:
        self._engine = engine
        self._insert = insert

    async def of_channels(self, guild_id: int, channel_ids: Sequence[int]) -> dict[int, ChannelEdge]:
        """Per channel, two index lookups (posts and demands by guild, channel, message)."""
        found = {}
        async with self._engine.connect() as connection:
            for channel_id in channel_ids:
                post = (await connection.execute(
                    select(Post.message_id, Post.author_id, Post.created_at)
                    .where(Post.guild_id == guild_id, Post.channel_id == channel_id)
                    .order_by(Post.message_id.desc()).limit(1))).one_or_none()
                demand_id = (await connection.execute(
                    select(func.max(Demand.message_id))
                    .where(Demand.guild_id == guild_id, Demand.channel_id == channel_id))).scalar_one_or_none()
                last_post = LastPost(post[0], post[1], aware(post[2])) if post is not None else None
                ids = [value for value in (demand_id, last_post.message_id if last_post else None) if value is not None]
                found[channel_id] = ChannelEdge(channel_id, max(ids) if ids else None, last_post)
        return found

    async def guild_last_post(self, guild_id: int) -> int | None:
        """The newest post recorded anywhere in the guild. Posts are written in the order they arrived, so
        every message the bot received before this one was recorded too: a safe start for a channel that
        has nothing recorded of its own."""
        query = select(func.max(Post.message_id)).where(Post.guild_id == guild_id)
        async with self._engine.connect() as connection:
            value = (await connection.execute(query)).scalar_one_or_none()
        return int(value) if value is not None else None

    async def marks(self, guild_id: int) -> dict[int, int]:
        """Channels whose catch-up was interrupted, and the message it had handled last."""
        query = select(CatchUpMark.channel_id, CatchUpMark.after_id).where(CatchUpMark.guild_id == guild_id)
        async with self._engine.connect() as connection:
            return {channel_id: after_id for channel_id, after_id in (await connection.execute(query)).all()}

    async def set_mark(self, guild_id: int, channel_id: int, after_id: int | None, now: datetime) -> None:
        """Remember how far a channel's catch-up got; None: it finished."""
        if after_id is None:
            statement: Any = delete(CatchUpMark).where(CatchUpMark.guild_id == guild_id,
                                                      CatchUpMark.channel_id == channel_id)
        else:
            statement = self._insert(CatchUpMark).values(guild_id=guild_id, channel_id=channel_id, after_id=after_id,
                                                         updated_at=now)
            statement = statement.on_conflict_do_update(index_elements=[CatchUpMark.guild_id, CatchUpMark.channel_id],
                                                        set_={"after_id": after_id, "updated_at": now})
        async with self._engine.begin() as connection:
            await connection.execute(statement)
