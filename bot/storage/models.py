"""The tables. Ids are Discord snowflakes (64-bit); times are timezone-aware UTC; no message text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware ones (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Quid Pro No stores only timezone-aware times")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Autoincrementing 64-bit keys: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
AutoId = BigInteger().with_variant(Integer(), "sqlite")
# Ids people see (a Why? button's demand, a consent request, audit "Verdict #N") must never come back
# after an erasure: SQLite reuses the highest freed rowid unless the table says AUTOINCREMENT.
# PostgreSQL's sequences never go back anyway.
NEVER_REUSED_IDS = {"sqlite_autoincrement": True}
# As each dialect renders `Demand.reply_due` in a query, so that the partial index serves it.
REPLY_DUE_PG, REPLY_DUE_SQLITE = text("reply_due"), text("reply_due = 1")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {int: BigInteger(), datetime: UTCDateTime(), dict[str, Any]: JSON()}


class InteractionEvent(Base):
    __tablename__ = "interaction_events"
    __table_args__ = (
        # Idempotence: a replayed event (same message, same pair, same kind) is stored once.
        UniqueConstraint("guild_id", "source_id", "kind", "actor_id", "target_id", name="uq_interaction_events_source"),
        # The pair summary reads both directions of one pair inside a time window; `kind` last so the
        # index alone answers it (no table row read per interaction: decisions stay flat as history grows).
        Index("ix_interaction_events_pair", "guild_id", "actor_id", "target_id", "occurred_at", "kind"),
        # A member's own activity (standing, where they are active) inside a time window; covering likewise.
        Index("ix_interaction_events_actor", "guild_id", "actor_id", "occurred_at", "channel_id"),
        # Retention purges by age.
        Index(None, "occurred_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    actor_id: Mapped[int]
    target_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[int]
    source_id: Mapped[int]
    occurred_at: Mapped[datetime]


class Member(Base):
    """A member as the bot knows them: when first seen, and their own preferences."""

    __tablename__ = "members"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first_seen: Mapped[datetime]
    requests_from: Mapped[str] = mapped_column(String(16), default="everyone")
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False)
    explain_via: Mapped[str] = mapped_column(String(16), default="ephemeral")
    left_at: Mapped[datetime | None]  # set when they leave; purged after a grace period
    bar: Mapped[str] = mapped_column(String(16), default="balanced", server_default="balanced")
    weekly_quota: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    terms: Mapped[str | None] = mapped_column(String(200))  # their own words, written to be shown
    digest_every: Mapped[str | None] = mapped_column(String(16))  # "weekly", "monthly"; None: no digest
    digest_quiet_days: Mapped[int | None] = mapped_column(Integer)
    digest_sent_at: Mapped[datetime | None]


class Follow(Base):
    __tablename__ = "follows"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    follower_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    followee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    since: Mapped[datetime]
    via: Mapped[str] = mapped_column(String(16))  # how it was made: "command", "connect", "auto_accept"


class Demand(Base):
    """A follow-back demand and the verdict it received."""

    __tablename__ = "demands"
    __table_args__ = (Index("ix_demands_requester", "guild_id", "requester_id", "created_at"),
                      Index("ix_demands_pair", "guild_id", "requester_id", "target_id", "created_at"),
                      # The dashboard's overview: counts by time range, never visiting the table.
                      Index("ix_demands_overview", "guild_id", "created_at", "outcome", "requester_id"),
                      # Exactly one answer per demand: a message names a target once, whoever sees it first
                      # (a replayed dispatch, a second process) records it; everyone else stays silent.
                      UniqueConstraint("guild_id", "message_id", "target_id", name="uq_demands_source"),
                      # Catch-up after a gap: the last demand recorded in a channel.
                      Index("ix_demands_channel", "guild_id", "channel_id", "message_id"),
                      # Catch-up after a restart: the few answers stored but not yet known to be sent.
                      Index("ix_demands_reply_due", "guild_id", "created_at",
                            postgresql_where=REPLY_DUE_PG, sqlite_where=REPLY_DUE_SQLITE),
                      NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    requester_id: Mapped[int]
    target_id: Mapped[int]
    channel_id: Mapped[int | None]
    message_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    # Recorded with its verdict, cleared once the reply was delivered (or given up): a process killed in
    # between leaves it set, and the next session's catch-up sends the reply (same nonce) while fresh.
    reply_due: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class GuildSettings(Base):
    """A guild's overrides on top of config.yaml, stored apart from the defaults."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    overrides: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    left_at: Mapped[datetime | None] = mapped_column(default=None)  # the bot was removed; purged after a grace


class Post(Base):
    """A member's message as ids only, so /feed can link to what people you follow posted."""

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("guild_id", "message_id", name="uq_posts_message"),
                      Index("ix_posts_author", "guild_id", "author_id", "created_at"),
                      # Catch-up after a gap: the last message recorded in a channel.
                      Index("ix_posts_channel", "guild_id", "channel_id", "message_id"))

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    channel_id: Mapped[int]
    message_id: Mapped[int]
    author_id: Mapped[int]
    created_at: Mapped[datetime]


PENDING = text("status = 'pending'")


class ConnectionRequest(Base):
    """A proposed connection waiting for the target's consent."""

    __tablename__ = "connection_requests"
    __table_args__ = (Index("ix_connection_requests_target", "guild_id", "target_id", "status"),
                      Index("ix_connection_requests_expiry", "status", "expires_at"),
                      # One request waiting per pair, whichever process opens it (issue #12).
                      Index("uq_connection_requests_pending", "guild_id", "requester_id", "target_id", unique=True,
                            postgresql_where=PENDING, sqlite_where=PENDING),
                      NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    requester_id: Mapped[int]
    target_id: Mapped[int]
    demand_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16))  # pending, accepted, declined, expired
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who changed what in a guild's configuration, and when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_guild", "guild_id", "created_at"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    actor_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class BackfillCursor(Base):
    """How far a history backfill got in one channel, so a restart resumes there."""

    __tablename__ = "backfill_cursors"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    before_id: Mapped[int | None]  # the oldest message read so far; paging continues before it
    messages_read: Mapped[int] = mapped_column(BigInteger, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class CatchUpMark(Base):
    """A channel whose catch-up after a gap has not finished: history after `after_id` may be unread. It wins
    over the last recorded message, which live delivery may have moved past the unread part meanwhile."""

    __tablename__ = "catchup_marks"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    after_id: Mapped[int]
    updated_at: Mapped[datetime]


class DeadLetter(Base):
    """A row the database refused, set aside by the write path so it cannot block the rest: ids only."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    ids: Mapped[dict[str, Any]]  # as strings: the refused value may not fit the integer columns
    error: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class CoordinationMark(Base):
    """When a cluster-wide job last ran (an IDENTIFY bucket, the sweep) and what it did (the synced commands)."""

    __tablename__ = "coordination_marks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), default="")
    updated_at: Mapped[datetime]


class BackfillLease(Base):
    """Who is backfilling a guild (the bot or a terminal), renewed while it runs; a Cancel is left here for it."""

    __tablename__ = "backfill_leases"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holder: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class Erasure(Base):
    """A member erased their data here (/forget-me, or a purge after leaving): only who and when, so that reading
    the channel history again (a catch-up, a backfill) never records what they said before it."""

    __tablename__ = "erasures"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    erased_at: Mapped[datetime]
