"""A member's own data: the export, the erasure, and what the erasure keeps (who and when)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.core.model import SpecialActor
from bot.storage._util import aware
from bot.storage.coordination import erasures_guard
from bot.storage.members._part import Part
from bot.storage.members.follows import FollowStore
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


class PrivacyStore(Part):
    def __init__(self, engine: AsyncEngine, insert: Callable[..., Any], follows: FollowStore) -> None:
        super().__init__(engine, insert)
        self._follows = follows
        # SQLite needs no guard: a forget writes, so it waits for the batch holding the write lock.
        self._guard_erasures = engine.dialect.name == "postgresql"

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
            "following": [str(i) for i in await self._follows.following(guild_id, user_id)],
            "followers": [str(i) for i in await self._follows.followers(guild_id, user_id)],
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
            if self._guard_erasures:  # after the guild's batches in progress, which missed this erasure
                await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": erasures_guard(guild_id)})
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


async def _forget_as_subject(session: AsyncSession, guild_id: int, user_id: int) -> None:
    """Audit entries about a member (a moderator cleared their terms) keep the action, not who it was about."""
    entries = (await session.execute(select(AuditEntry).where(
        AuditEntry.guild_id == guild_id, AuditEntry.action == TERMS_CLEARED))).scalars()
    for entry in entries:
        if entry.detail.get("member_id") == str(user_id):
            entry.detail = {**entry.detail, "member_id": str(FORGOTTEN)}
