"""Members and guilds that left: marked, then purged after their grace period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from bot.storage._util import aware
from bot.storage.members._part import Part
from bot.storage.members.privacy import GUILD_TABLES
from bot.storage.models import (
    GuildSettings,
    InteractionEvent,
    Member,
)


class DepartureStore(Part):
    async def mark_left(self, guild_id: int, user_id: int, now: datetime) -> None:
        statement = self._insert(Member).values(guild_id=guild_id, user_id=user_id, first_seen=now, left_at=now)
        statement = statement.on_conflict_do_update(index_elements=[Member.guild_id, Member.user_id],
                                                    set_={"left_at": now})
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def departed_members(self, cutoff: datetime) -> list[tuple[int, int, datetime]]:
        """Members who left before `cutoff` and did nothing since, with when they left."""
        e = InteractionEvent
        active_since = select(e.id).where(e.guild_id == Member.guild_id, e.actor_id == Member.user_id,
                                          e.occurred_at > Member.left_at).exists()
        async with self._sessions() as session:
            rows = (await session.execute(select(Member.guild_id, Member.user_id, Member.left_at).where(
                Member.left_at.is_not(None), Member.left_at < cutoff, ~active_since))).all()
        return [(guild, user, aware(left)) for guild, user, left in rows if left is not None]

    async def mark_back(self, guild_id: int, user_id: int) -> None:
        """A member who left came back: nothing is due to be purged any more."""
        async with self._sessions.begin() as session:
            await session.execute(update(Member).where(Member.guild_id == guild_id, Member.user_id == user_id)
                                  .values(left_at=None))

    async def mark_guild_left(self, guild_id: int, now: datetime, *, left: bool = True) -> None:
        statement = self._insert(GuildSettings).values(guild_id=guild_id, overrides={}, updated_at=now,
                                                       left_at=now if left else None)
        statement = statement.on_conflict_do_update(index_elements=[GuildSettings.guild_id],
                                                    set_={"left_at": now if left else None})
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def departed_guilds(self, cutoff: datetime) -> list[tuple[int, datetime]]:
        """Guilds that removed the bot before `cutoff`, with when."""
        async with self._sessions() as session:
            rows = (await session.execute(select(GuildSettings.guild_id, GuildSettings.left_at).where(
                GuildSettings.left_at.is_not(None), GuildSettings.left_at < cutoff))).all()
        return [(guild, aware(left)) for guild, left in rows if left is not None]

    async def purge_guild(self, guild_id: int) -> None:
        """Erase every row of one guild, in one transaction."""
        async with self._sessions.begin() as session:
            for table in GUILD_TABLES:
                await session.execute(delete(table).where(table.guild_id == guild_id))
