"""Queries behind the moderator tools: statistics, dry-run replays, backfill cursors. Every query names its guild."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Policy
from bot.core.model import (
    ExplainVia,
    InteractionKind,
    Outcome,
    PairSummary,
    PastDemand,
    Preferences,
    RequestsFrom,
    TimedInteraction,
)
from bot.core.scoring import RequesterStanding, summarize
from bot.core.simulate import Replay
from bot.core.stats import DemandRow
from bot.storage.db import sessions
from bot.storage.models import (
    AuditEntry,
    BackfillCursor,
    ConnectionRequest,
    Demand,
    Follow,
    InteractionEvent,
    Member,
)

TOP_CHANNEL_SAMPLE = 200  # as in Store: where the target was most active lately


@dataclass(frozen=True, slots=True)
class Cursor:
    channel_id: int
    before_id: int | None
    messages_read: int
    done: bool


@dataclass(frozen=True, slots=True)
class DemandToReplay:
    id: int
    requester_id: int
    target_id: int
    outcome: Outcome
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReplayInputs:
    summaries: tuple[PairSummary, ...]  # one per policy asked for, in the same order
    preferences: Preferences
    earlier_demands: list[PastDemand]


class ModerationStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions: async_sessionmaker[AsyncSession] = sessions(engine)

    # --- statistics -------------------------------------------------------------------------------

    async def demand_rows(self, guild_id: int, since: datetime) -> list[DemandRow]:
        query = select(Demand.created_at, Demand.requester_id, Demand.outcome).where(
            Demand.guild_id == guild_id, Demand.created_at >= since)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [DemandRow(_aware(at), requester, Outcome(outcome)) for at, requester, outcome in rows]

    async def accepted_connections(self, guild_id: int, since: datetime) -> int:
        r = ConnectionRequest
        query = select(func.count()).where(r.guild_id == guild_id, r.status == "accepted", r.decided_at >= since)
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
        return [DemandToReplay(i, r, t, Outcome(o), _aware(at)) for i, r, t, o, at in reversed(rows)]

    async def replay_inputs(self, guild_id: int, demand: DemandToReplay, policies: Sequence[Policy]) -> ReplayInputs:
        """The pair's history as it stood when `demand` was made, summarised under each of `policies`.

        Like `Store.decision_inputs`, but bounded above by the demand's own time: later interactions
        (and the demand itself) must not count. Follows and preferences are today's: they keep no history.
        """
        at, requester, target = demand.created_at, demand.requester_id, demand.target_id
        widest = max(policy.window_days for policy in policies)
        since = at - timedelta(days=widest)
        async with self.engine.connect() as connection:
            events = (await connection.execute(_pair_events(guild_id, requester, target, since, at))).all()
            activity = [(await connection.execute(_activity(guild_id, requester, at - timedelta(days=p.window_days),
                                                            at))).scalar_one() for p in policies]
            standing = (await connection.execute(_standing(guild_id, requester, target, at - timedelta(days=widest),
                                                           at))).one()
            cooldown = max(policy.cooldown_minutes for policy in policies)
            earlier = (await connection.execute(select(Demand.target_id, Demand.outcome, Demand.created_at).where(
                Demand.guild_id == guild_id, Demand.requester_id == requester, Demand.id < demand.id,
                Demand.created_at >= at - timedelta(minutes=cooldown)))).all()
        first_seen, follows, followed, top_channel, requests_from, auto_accept, explain_via = standing
        interactions = [TimedInteraction(actor, InteractionKind(kind), _aware(when)) for actor, kind, when in events]
        summaries = tuple(
            summarize(guild_id, requester, target,
                      interactions=[i for i in interactions if i.occurred_at >= at - timedelta(days=p.window_days)],
                      standing=RequesterStanding(int(count or 0), _aware(first_seen) if first_seen else None,
                                                 bool(follows), bool(followed), top_channel),
                      policy=p, now=at)
            for p, count in zip(policies, activity, strict=True))
        preferences = Preferences() if requests_from is None else Preferences(
            RequestsFrom(requests_from), bool(auto_accept), ExplainVia(explain_via))
        past = [PastDemand(t, Outcome(o), _aware(when)) for t, o, when in earlier]
        return ReplayInputs(summaries, preferences, past)

    async def replays(self, guild_id: int, since: datetime, limit: int, current: Policy, changed: Policy, *,
                      bot_id: int) -> list[Replay]:
        """The dry run's input: each demand made since `since`, with its history as it stood then."""
        replays = []
        for demand in await self.demands_since(guild_id, since, limit):
            inputs = await self.replay_inputs(guild_id, demand, (current, changed))
            replays.append(Replay(demand.outcome, inputs.summaries[0], inputs.summaries[1], inputs.preferences,
                                  inputs.earlier_demands, demand.created_at, demand.target_id == bot_id))
        return replays

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

    async def latest_audit_detail(self, guild_id: int, action: str) -> dict[str, Any] | None:
        query = (select(AuditEntry.detail).where(AuditEntry.guild_id == guild_id, AuditEntry.action == action)
                 .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(1))
        async with self.engine.connect() as connection:
            detail = (await connection.execute(query)).scalar_one_or_none()
        return dict(detail) if detail is not None else None


def _direction(guild_id: int, actor: int, target: int, since: datetime, until: datetime) -> Any:
    e = InteractionEvent
    return select(e.actor_id, e.kind, e.occurred_at).where(
        e.guild_id == guild_id, e.actor_id == actor, e.target_id == target, e.occurred_at >= since,
        e.occurred_at <= until)


def _pair_events(guild_id: int, requester: int, target: int, since: datetime, until: datetime) -> Any:
    return _direction(guild_id, requester, target, since, until).union_all(
        _direction(guild_id, target, requester, since, until))


def _activity(guild_id: int, actor: int, since: datetime, until: datetime) -> Any:
    e = InteractionEvent
    return select(func.count()).where(e.guild_id == guild_id, e.actor_id == actor, e.occurred_at >= since,
                                      e.occurred_at <= until)


def _standing(guild_id: int, requester: int, target: int, since: datetime, until: datetime) -> Any:
    e = InteractionEvent

    def follows(follower: int, followee: int) -> Any:
        return select(literal(True)).where(Follow.guild_id == guild_id, Follow.follower_id == follower,
                                           Follow.followee_id == followee).exists()

    def member(column: Any, user: int) -> Any:
        return select(column).where(Member.guild_id == guild_id, Member.user_id == user).scalar_subquery()

    latest = (select(e.channel_id)
              .where(e.guild_id == guild_id, e.actor_id == target, e.occurred_at >= since, e.occurred_at <= until)
              .order_by(e.occurred_at.desc()).limit(TOP_CHANNEL_SAMPLE).subquery())
    top_channel = (select(latest.c.channel_id).group_by(latest.c.channel_id)
                   .order_by(func.count().desc(), latest.c.channel_id).limit(1).scalar_subquery())
    return select(member(Member.first_seen, requester), follows(requester, target), follows(target, requester),
                  top_channel, member(Member.requests_from, target), member(Member.auto_accept, target),
                  member(Member.explain_via, target))


def _aware(value: datetime) -> datetime:
    # Raw columns read through unions and subqueries skip the column type on SQLite: give them their zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
