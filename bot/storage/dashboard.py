"""Queries behind the moderators' web dashboard: aggregates for the overview, the audit trail, the engagement
graph's edges. Every query names its guild; aggregation happens in the database so a page stays fast however
much history is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, cast, func, literal, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from bot.core.model import Outcome
from bot.storage._util import aware
from bot.storage.models import AuditEntry, Demand, InteractionEvent
from bot.storage.store import Store


@dataclass(frozen=True, slots=True)
class AuditFilter:
    member_id: int | None = None  # the requester, the target, or the moderator who changed something
    outcome: str | None = None  # an Outcome value, or "change" for moderator changes only
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One line of the audit trail: a verdict (a stored demand) or a moderator's change."""

    at: datetime
    kind: str  # "verdict" or "change"
    actor_id: int  # the requester, or the moderator
    target_id: int | None
    outcome: str | None  # verdicts only
    action: str | None  # changes only
    detail: dict[str, Any]
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class EdgeCount:
    actor_id: int
    target_id: int
    kind: str
    day: date
    count: int


def _day(column: Any, dialect: Dialect) -> ColumnElement[Any]:
    if dialect.name == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


def _made(guild_id: int, since: datetime, until: datetime | None) -> list[ColumnElement[bool]]:
    conditions = [Demand.guild_id == guild_id, Demand.created_at >= since]
    return conditions + ([Demand.created_at < until] if until is not None else [])


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class DashboardStore:
    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    # --- overview -----------------------------------------------------------------------------------

    async def demand_counts(self, guild_id: int, since: datetime,
                            until: datetime | None = None) -> list[tuple[date, Outcome, int]]:
        """Demands per UTC day and outcome made in [since, until)."""
        day = _day(Demand.created_at, self.engine.dialect)
        query = (select(day, Demand.outcome, func.count()).where(*_made(guild_id, since, until))
                 .group_by(day, Demand.outcome))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(_as_date(d), Outcome(outcome), int(count)) for d, outcome, count in rows]

    async def requester_counts(self, guild_id: int, since: datetime, until: datetime | None = None) -> dict[int, int]:
        """Demands per requester made in [since, until)."""
        query = (select(Demand.requester_id, func.count()).where(*_made(guild_id, since, until))
                 .group_by(Demand.requester_id))
        async with self.engine.connect() as connection:
            return {int(user): int(n) for user, n in (await connection.execute(query)).all()}

    async def outcome_requester_counts(self, guild_id: int, since: datetime) -> list[tuple[Outcome, int, int]]:
        """Demands per (outcome, requester) made since `since`: today's part of the overview in one index scan."""
        query = (select(Demand.outcome, Demand.requester_id, func.count()).where(*_made(guild_id, since, None))
                 .group_by(Demand.outcome, Demand.requester_id))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(Outcome(outcome), int(user), int(n)) for outcome, user, n in rows]

    # --- audit trail --------------------------------------------------------------------------------

    async def audit_page(self, guild_id: int, where: AuditFilter, offset: int, limit: int) -> list[AuditRow]:
        """Verdicts and moderator changes, newest first, merged: rows offset..offset+limit."""
        wanted = offset + limit
        verdicts = await self._verdicts(guild_id, where, wanted) if where.outcome != "change" else []
        changes = await self._changes(guild_id, where, wanted) if where.outcome in (None, "change") else []
        merged = sorted(verdicts + changes, key=lambda row: row.at, reverse=True)
        return merged[offset:wanted]

    async def _verdicts(self, guild_id: int, where: AuditFilter, limit: int) -> list[AuditRow]:
        d = Demand
        query = select(d).where(d.guild_id == guild_id)
        if where.member_id is not None:
            query = query.where(or_(d.requester_id == where.member_id, d.target_id == where.member_id))
        if where.outcome is not None:
            query = query.where(d.outcome == where.outcome)
        if where.since is not None:
            query = query.where(d.created_at >= where.since)
        if where.until is not None:
            query = query.where(d.created_at < where.until)
        query = query.order_by(d.created_at.desc(), d.id.desc()).limit(limit)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [AuditRow(aware(r.created_at), "verdict", r.requester_id, r.target_id, r.outcome, None,
                         {"reasons": r.reasons}, r.channel_id, r.message_id) for r in rows]

    async def _changes(self, guild_id: int, where: AuditFilter, limit: int) -> list[AuditRow]:
        a = AuditEntry
        query = select(a).where(a.guild_id == guild_id)
        if where.member_id is not None:
            query = query.where(a.actor_id == where.member_id)
        if where.since is not None:
            query = query.where(a.created_at >= where.since)
        if where.until is not None:
            query = query.where(a.created_at < where.until)
        query = query.order_by(a.created_at.desc(), a.id.desc()).limit(limit)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [AuditRow(aware(r.created_at), "change", r.actor_id, None, None, r.action, dict(r.detail or {}),
                         None, None) for r in rows]

    # --- engagement graph ---------------------------------------------------------------------------

    async def engagement_counts(self, guild_id: int, since: datetime, until: datetime) -> list[EdgeCount]:
        """Interactions per (actor, target, kind, day) in the window: what the graph decays and draws."""
        e = InteractionEvent
        day = _day(e.occurred_at, self.engine.dialect)
        query = (select(e.actor_id, e.target_id, e.kind, day, func.count())
                 .where(e.guild_id == guild_id, e.occurred_at >= since, e.occurred_at < until,
                        e.actor_id != e.target_id, e.kind != literal("follow"))
                 .group_by(e.actor_id, e.target_id, e.kind, day))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [EdgeCount(int(a), int(t), str(k), _as_date(d), int(n)) for a, t, k, d, n in rows]
