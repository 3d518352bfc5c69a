"""A member's own preferences and stated terms."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from bot.core.model import Bar, ExplainVia, Preferences, RequestsFrom
from bot.storage._util import rowcount
from bot.storage.members._part import Part
from bot.storage.models import (
    Member,
)


def preferences_of(requests_from: str, auto_accept: bool, explain_via: str, bar: str | None,
                   weekly_quota: int | None) -> Preferences:
    """Preferences from stored columns; a bar stored by a newer version falls back to the balanced one."""
    return Preferences(RequestsFrom(requests_from), bool(auto_accept), ExplainVia(explain_via),
                       Bar(bar) if bar in set(Bar) else Bar.BALANCED, weekly_quota)


class PreferenceStore(Part):
    async def preferences(self, guild_id: int, user_id: int) -> Preferences:
        async with self._sessions() as session:
            member = await session.get(Member, (guild_id, user_id))
        if member is None:
            return Preferences()
        return preferences_of(member.requests_from, member.auto_accept, member.explain_via, member.bar,
                              member.weekly_quota)

    async def set_preferences(self, guild_id: int, user_id: int, preferences: Preferences, now: datetime) -> None:
        values = {"requests_from": preferences.requests_from.value, "auto_accept": preferences.auto_accept,
                  "explain_via": preferences.explain_via.value, "bar": preferences.bar.value,
                  "weekly_quota": preferences.weekly_quota}
        statement = self._insert(Member).values(guild_id=guild_id, user_id=user_id, first_seen=now, **values)
        statement = statement.on_conflict_do_update(index_elements=[Member.guild_id, Member.user_id], set_=values)
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def terms(self, guild_id: int, user_id: int) -> str | None:
        async with self._sessions() as session:
            member = await session.get(Member, (guild_id, user_id))
        return member.terms if member is not None else None

    async def set_terms(self, guild_id: int, user_id: int, terms: str | None, now: datetime) -> bool:
        """Save (or with None, clear) a member's stated terms; False when there was nothing to clear."""
        if terms is None:
            async with self._sessions.begin() as session:
                result = await session.execute(update(Member).where(
                    Member.guild_id == guild_id, Member.user_id == user_id, Member.terms.is_not(None))
                    .values(terms=None))
            return rowcount(result) > 0
        statement = self._insert(Member).values(guild_id=guild_id, user_id=user_id, first_seen=now, terms=terms)
        statement = statement.on_conflict_do_update(index_elements=[Member.guild_id, Member.user_id],
                                                    set_={"terms": terms})
        async with self._sessions.begin() as session:
            await session.execute(statement)
        return True
