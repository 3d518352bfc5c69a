"""What belongs to members: preferences, follows, their posts' ids, consent requests, their data."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.model import Bar, ExplainVia, Preferences, RequestsFrom, RequestStatus, SpecialActor
from bot.storage._util import aware, rowcount
from bot.storage.db import sessions
from bot.storage.models import (
    AuditEntry,
    BackfillCursor,
    ConnectionRequest,
    Demand,
    Erasure,
    Follow,
    GuildSettings,
    InteractionEvent,
    Member,
    Post,
)

# Every table that holds rows about a member, with the columns that name them. The audit log is not
# here: a moderator's changes stay accountable, so /forget-me replaces their id there with FORGOTTEN.
MEMBER_COLUMNS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (InteractionEvent, ("actor_id", "target_id")),
    (Follow, ("follower_id", "followee_id")),
    (Demand, ("requester_id", "target_id")),
    (ConnectionRequest, ("requester_id", "target_id")),
    (Post, ("author_id",)),
    (Member, ("user_id",)),
)
TERMS_CLEARED = "terms_cleared"  # the audit action of a moderator clearing a member's stated terms
FORGOTTEN = SpecialActor.FORGOTTEN  # the actor of audit entries made by someone who asked to be forgotten
GUILD_TABLES = (InteractionEvent, Follow, Demand, ConnectionRequest, Post, AuditEntry, Member, BackfillCursor,
                GuildSettings, Erasure)


def preferences_of(requests_from: str, auto_accept: bool, explain_via: str, bar: str | None,
                   weekly_quota: int | None) -> Preferences:
    """Preferences from stored columns; a bar stored by a newer version falls back to the balanced one."""
    return Preferences(RequestsFrom(requests_from), bool(auto_accept), ExplainVia(explain_via),
                       Bar(bar) if bar in set(Bar) else Bar.BALANCED, weekly_quota)


@dataclass(frozen=True, slots=True)
class FeedItem:
    channel_id: int
    message_id: int
    author_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PendingRequest:
    id: int
    guild_id: int
    requester_id: int
    target_id: int
    status: RequestStatus
    expires_at: datetime


class MemberStore:
    def __init__(self, engine: AsyncEngine, insert: Callable[..., Any]):
        self._sessions: async_sessionmaker[AsyncSession] = sessions(engine)
        self._insert = insert

    # --- preferences ----------------------------------------------------------------------------

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

    # --- follows --------------------------------------------------------------------------------

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

    # --- the feed -------------------------------------------------------------------------------

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

    # --- consent --------------------------------------------------------------------------------

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

    # --- suggestions ----------------------------------------------------------------------------

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

    # --- a member's data ------------------------------------------------------------------------

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Everything stored about one member in one guild, as plain JSON-able data."""
        e = InteractionEvent
        async with self._sessions() as session:
            def counts(column: Any) -> Any:
                return session.execute(select(e.kind, func.count()).where(
                    e.guild_id == guild_id, column == user_id).group_by(e.kind))
            made = dict((await counts(e.actor_id)).all())
            received = dict((await counts(e.target_id)).all())
            demands = list((await session.execute(select(Demand).where(
                Demand.guild_id == guild_id, or_(Demand.requester_id == user_id, Demand.target_id == user_id))
                .order_by(Demand.created_at))).scalars())
            requests = list((await session.execute(select(ConnectionRequest).where(
                ConnectionRequest.guild_id == guild_id,
                or_(ConnectionRequest.requester_id == user_id, ConnectionRequest.target_id == user_id))
                .order_by(ConnectionRequest.created_at))).scalars())
            audited = (await session.execute(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.guild_id == guild_id, AuditEntry.actor_id == user_id))).scalar_one()
            member = await session.get(Member, (guild_id, user_id))
            erasure = await session.get(Erasure, (guild_id, user_id))
            posts = (await session.execute(select(func.count()).select_from(Post).where(
                Post.guild_id == guild_id, Post.author_id == user_id))).scalar_one()
        return {
            "guild_id": str(guild_id), "user_id": str(user_id),
            "interactions_made": made, "interactions_received": received, "posts_recorded": posts,
            "following": [str(i) for i in await self.following(guild_id, user_id)],
            "followers": [str(i) for i in await self.followers(guild_id, user_id)],
            "demands": [{"target_id": str(d.target_id), "outcome": d.outcome, "at": aware(d.created_at).isoformat(),
                         "reasons": d.reasons} for d in demands if d.requester_id == user_id],
            "demands_received": [{"requester_id": str(d.requester_id), "outcome": d.outcome,
                                  "at": aware(d.created_at).isoformat()} for d in demands if d.target_id == user_id],
            "connection_requests": [{"requester_id": str(r.requester_id), "target_id": str(r.target_id),
                                     "status": r.status, "at": aware(r.created_at).isoformat()} for r in requests],
            "moderation_changes_made": audited,
            "first_seen": aware(member.first_seen).isoformat() if member else None,
            "left_at": aware(member.left_at).isoformat() if member and member.left_at else None,
            "preferences": {"requests_from": member.requests_from, "auto_accept": member.auto_accept,
                            "explain_via": member.explain_via, "bar": member.bar,
                            "weekly_quota": member.weekly_quota} if member else None,
            "terms": member.terms if member else None,
            "digest": {"every": member.digest_every, "quiet_days": member.digest_quiet_days}
            if member and member.digest_every else None,
            # Kept after /forget-me so that history read again is not recorded: only the id and this time.
            "erased_at": aware(erasure.erased_at).isoformat() if erasure else None,
        }

    async def forget(self, guild_id: int, user_id: int, now: datetime) -> None:
        """Erase every row about one member in one guild, in one transaction, leaving only the erasure itself
        (who, when), so that history read again later is not recorded (see `Store.write_events`)."""
        async with self._sessions.begin() as session:
            erasure = self._insert(Erasure).values(guild_id=guild_id, user_id=user_id, erased_at=now)
            await session.execute(erasure.on_conflict_do_update(
                index_elements=[Erasure.guild_id, Erasure.user_id], set_={"erased_at": erasure.excluded.erased_at}))
            for table, columns in MEMBER_COLUMNS:
                about = [getattr(table, column) == user_id for column in columns]
                await session.execute(delete(table).where(table.guild_id == guild_id, or_(*about)))
            await session.execute(update(AuditEntry).where(AuditEntry.guild_id == guild_id,
                                                           AuditEntry.actor_id == user_id)
                                  .values(actor_id=FORGOTTEN))
            await _forget_as_subject(session, guild_id, user_id)

    async def erased_since(self, guild_id: int, user_ids: Collection[int], at: datetime) -> bool:
        """Whether any of these members erased their data in this guild at or after `at`."""
        query = select(func.count()).select_from(Erasure).where(
            Erasure.guild_id == guild_id, Erasure.user_id.in_(sorted(user_ids)), Erasure.erased_at >= at)
        async with self._sessions() as session:
            return bool((await session.execute(query)).scalar_one())

    # --- departures -----------------------------------------------------------------------------

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



async def _forget_as_subject(session: AsyncSession, guild_id: int, user_id: int) -> None:
    """Audit entries about a member (a moderator cleared their terms) keep the action, not who it was about."""
    entries = (await session.execute(select(AuditEntry).where(
        AuditEntry.guild_id == guild_id, AuditEntry.action == TERMS_CLEARED))).scalars()
    for entry in entries:
        if entry.detail.get("member_id") == str(user_id):
            entry.detail = {**entry.detail, "member_id": str(FORGOTTEN)}
