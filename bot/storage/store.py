"""The storage interface the rest of the bot uses. Queries about members and pairs name their guild;
only retention, which ages out everything old, and lookups by a unique id do not."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.ingest import not_erased
from bot.core.model import (
    AuditAction,
    Interaction,
    InteractionKind,
    PostRef,
    Verdict,
)
from bot.core.scoring import HistorySpan, PairHistory
from bot.storage._demands import DEMAND_COLUMNS, StoredDemand, demand_row, stored
from bot.storage._joined import JoinNextRun
from bot.storage._pair_query import decision_facts, pair_history_of
from bot.storage._util import aware, rowcount
from bot.storage.coordination import erasures_guard, lock_key
from bot.storage.db import sessions
from bot.storage.edges import Edges
from bot.storage.members import ConsentStore, DepartureStore, FollowStore, PreferenceStore, PrivacyStore
from bot.storage.models import (
    AuditEntry,
    DeadLetter,
    Demand,
    Erasure,
    GuildSettings,
    InteractionEvent,
    Member,
    Post,
)
from bot.storage.quiet import QuietStore
from bot.storage.rounds import WriterRounds

EVENT_COLUMNS = ("guild_id", "actor_id", "target_id", "kind", "channel_id", "source_id", "occurred_at")
# The member columns the ORM fills from Python-side defaults: a raw INSERT must give them, from the model.
_DEFAULTED = [c for c in Member.__table__.columns if c.default is not None and not callable(c.default.arg)]
_MEMBER_DEFAULTS = {c.name: c.default.arg for c in _DEFAULTED}


def _unnest_batch(dialect: Any) -> str:
    """PostgreSQL: a batch's interactions and its actors' first_seen in one statement, one array a column.

    The actors' earliest times are grouped from the same arrays. Actors already known at least as early are
    left out by a plain index read first: ON CONFLICT locks every row it meets, even one its WHERE then leaves
    alone, and nearly every actor of a batch is known. first_seen only ever moves back (a backfill may bring
    older history later). Lock order: PostgreSQL completes a data-modifying WITH that nothing reads after the
    main statement, so interactions are written first and members after, in key order, as `forget` deletes
    them (interactions first, the member last)."""
    defaults = ", ".join(f"${n}::{c.type.compile(dialect=dialect)}" for n, c in enumerate(_DEFAULTED, start=8))
    return (f"WITH batch AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::varchar[], "
            f"$5::bigint[], $6::bigint[], $7::timestamptz[]) AS b({', '.join(EVENT_COLUMNS)})), "
            f"first_seen AS (INSERT INTO members (guild_id, user_id, first_seen, {', '.join(_MEMBER_DEFAULTS)}) "
            f"SELECT guild_id, actor_id, min(occurred_at), {defaults} FROM batch GROUP BY guild_id, actor_id "
            "HAVING min(occurred_at) < coalesce((SELECT m.first_seen FROM members m "
            "WHERE m.guild_id = batch.guild_id AND m.user_id = batch.actor_id), 'infinity') "
            "ORDER BY guild_id, actor_id "
            "ON CONFLICT (guild_id, user_id) DO UPDATE SET first_seen = excluded.first_seen "
            "WHERE excluded.first_seen < members.first_seen) "
            f"INSERT INTO interaction_events ({', '.join(EVENT_COLUMNS)}) SELECT * FROM batch ON CONFLICT DO NOTHING")


POST_COLUMNS = ("guild_id", "channel_id", "message_id", "author_id", "created_at")


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions: async_sessionmaker[AsyncSession] = sessions(engine)
        self._postgres = engine.dialect.name == "postgresql"
        self._insert = postgresql.insert if self._postgres else sqlite.insert
        # SQLite's one writer is taken in order, and decisions share transactions (rounds.py); PostgreSQL's
        # per-requester locks need neither.
        self._rounds = None if self._postgres else WriterRounds(engine)
        # The hot write path skips per-row ORM work: one statement compiled once, rows as plain tuples.
        insert_events = self._insert(InteractionEvent).inline().values(dict.fromkeys(EVENT_COLUMNS))
        insert_events = insert_events.on_conflict_do_nothing()
        self._insert_events_sql = str(insert_events.compile(dialect=engine.dialect))
        # PostgreSQL takes a batch as one array per column in one statement: one round trip, not one a row.
        if self._postgres:
            self._insert_events_sql = _unnest_batch(engine.dialect)
        processor = InteractionEvent.__table__.c.occurred_at.type.bind_processor(engine.dialect)
        self._occurred_at_to_db: Callable[[datetime], Any] = processor or (lambda value: value)
        # Built once (a demand's INSERT built per call cost ~0.6 ms of a flood's CPU): rows come as parameters.
        insert_demand = self._insert(Demand).values({column: bindparam(column) for column in DEMAND_COLUMNS})
        self.demand_insert = insert_demand.on_conflict_do_nothing(
            index_elements=[Demand.guild_id, Demand.message_id, Demand.target_id]).returning(Demand.id)
        insert_posts = self._insert(Post).inline().values(dict.fromkeys(POST_COLUMNS)).on_conflict_do_nothing()
        self._insert_posts_sql = str(insert_posts.compile(dialect=engine.dialect))
        # What belongs to members, one store an aggregate.
        self.preferences = PreferenceStore(engine, self._insert)
        self.follows = FollowStore(engine, self._insert)
        self.consent = ConsentStore(engine, self._insert)
        self.privacy = PrivacyStore(engine, self._insert, self.follows)
        self.departures = DepartureStore(engine, self._insert)
        self.quiet = QuietStore(engine, self._insert)
        self.edges = Edges(engine, self._insert)
        self._settings_versions = JoinNextRun(self._settings_version)

    async def close(self) -> None:
        await self.engine.dispose()

    def _writer_line(self) -> contextlib.AbstractAsyncContextManager[object]:
        """SQLite's writers wait in one FIFO line (`WriterRounds.line`); PostgreSQL needs none."""
        return contextlib.nullcontext() if self._rounds is None else self._rounds.line

    # --- the write path -------------------------------------------------------------------------

    async def write_events(self, events: Sequence[Interaction | PostRef], *, count_new: bool = False) -> int:
        """Store a batch in one transaction; events already stored (same source) are skipped. With `count_new`,
        how many interactions were new (a repeated backfill records none); else 0. (PostgreSQL reports no
        rowcount for a batch insert, so it is counted: two indexed counts, spent only when asked.) Nothing about a
        member from before their erasure is written: history read again must not undo a /forget-me."""
        to_db = self._occurred_at_to_db
        new = 0
        async with self._writer_line(), self.engine.begin() as connection:
            guild_ids = {e.guild_id for e in events}
            await self._guard_erasures(connection, guild_ids)
            events = not_erased(events, await self._erasures(connection, guild_ids))
            interactions = [e for e in events if isinstance(e, Interaction)]
            posts = [e for e in events if isinstance(e, PostRef)]
            if interactions:
                if count_new:
                    new = -await self._stored_of(connection, interactions)
                rows: Any = [(e.guild_id, e.actor_id, e.target_id, e.kind.value, e.channel_id, e.source_id,
                              to_db(e.occurred_at)) for e in interactions]
                if self._postgres:  # arrays, and the actors' first_seen in the same statement
                    rows = (*(list(column) for column in zip(*rows, strict=True)), *_MEMBER_DEFAULTS.values())
                    await connection.exec_driver_sql(self._insert_events_sql, rows)
                else:
                    await connection.exec_driver_sql(self._insert_events_sql, rows)
                    await self._note_first_seen(connection, interactions)
                if count_new:
                    new += await self._stored_of(connection, interactions)
            if posts:
                await connection.exec_driver_sql(self._insert_posts_sql, [
                    (p.guild_id, p.channel_id, p.message_id, p.author_id, to_db(p.created_at)) for p in posts])
        return new

    async def _guard_erasures(self, connection: AsyncConnection, guild_ids: Collection[int]) -> None:
        """No /forget-me commits between the erasures read and the write: on SQLite the write lock is taken
        first (a forget writes too); on PostgreSQL a forget waits for the guild's batches in progress."""
        if not self._postgres:
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        for guild_id in sorted(guild_ids):
            await connection.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"),
                                     {"key": erasures_guard(guild_id)})

    @staticmethod
    async def _erasures(connection: AsyncConnection, guild_ids: Collection[int]) -> dict[tuple[int, int], datetime]:
        """Who erased their data in these guilds, and when (one primary-key range read; erasures are few)."""
        if not guild_ids:
            return {}
        rows = await connection.execute(select(Erasure.guild_id, Erasure.user_id, Erasure.erased_at)
                                        .where(Erasure.guild_id.in_(sorted(guild_ids))))
        return {(guild_id, user_id): aware(at) for guild_id, user_id, at in rows}

    @staticmethod
    async def _stored_of(connection: AsyncConnection, events: Sequence[Interaction]) -> int:
        """How many stored interactions come from these events' sources."""
        by_guild: dict[int, set[int]] = {}
        for event in events:
            by_guild.setdefault(event.guild_id, set()).add(event.source_id)
        total = 0
        for guild_id, sources in by_guild.items():
            e = InteractionEvent
            total += await connection.scalar(select(func.count()).select_from(e).where(
                e.guild_id == guild_id, e.source_id.in_(sorted(sources)))) or 0
        return total

    @staticmethod
    async def _note_first_seen(connection: AsyncConnection, events: Sequence[Interaction]) -> None:
        """SQLite: every batch upserts its actors' first_seen. No in-process cache of it: a purge or a
        forget-me, here or in another process, would leave it stale (issue #10, bug 1)."""
        earliest: dict[tuple[int, int], datetime] = {}
        for event in events:
            key = (event.guild_id, event.actor_id)
            known = earliest.get(key)
            if known is None or event.occurred_at < known:
                earliest[key] = event.occurred_at
        rows = [{"guild_id": g, "user_id": u, "first_seen": at} for (g, u), at in sorted(earliest.items())]
        statement = sqlite.insert(Member)
        # A backfill may bring older history later: first_seen only ever moves back in time (and a row
        # that already knows an earlier time is not written at all).
        statement = statement.on_conflict_do_update(
            index_elements=[Member.guild_id, Member.user_id],
            set_={"first_seen": statement.excluded.first_seen},
            where=statement.excluded.first_seen < Member.first_seen,
        )
        await connection.execute(statement, rows)

    async def withdraw_sources(self, guild_id: int, source_ids: Collection[int]) -> int:
        """Deleted messages take back the interactions they created, and leave no link in anyone's feed."""
        ids = list(source_ids)
        async with self._sessions.begin() as session:
            result = await session.execute(delete(InteractionEvent).where(
                InteractionEvent.guild_id == guild_id, InteractionEvent.source_id.in_(ids)))
            await session.execute(delete(Post).where(Post.guild_id == guild_id, Post.message_id.in_(ids)))
        return rowcount(result)

    async def withdraw_reaction(self, guild_id: int, source_id: int, actor_id: int) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(InteractionEvent).where(
                InteractionEvent.guild_id == guild_id, InteractionEvent.source_id == source_id,
                InteractionEvent.actor_id == actor_id, InteractionEvent.kind == InteractionKind.REACTION.value))
        return rowcount(result)

    async def purge_events_before(self, cutoff: datetime) -> int:
        """Retention: forget interactions and posts older than the window moderators chose."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(InteractionEvent).where(InteractionEvent.occurred_at < cutoff))
            await session.execute(delete(Post).where(Post.created_at < cutoff))
        return rowcount(result)

    # --- reading history ------------------------------------------------------------------------

    async def pair_history(self, guild_id: int, requester_id: int, target_id: int, span: HistorySpan) -> PairHistory:
        """The facts `decide` needs about a pair over `span` (the one query path: see `_read_pair_history`)."""
        async with self.engine.connect() as connection:
            # One statement is one snapshot: on PostgreSQL, BEGIN and ROLLBACK around it are two round trips
            # for nothing; on SQLite (no BEGIN for a read) switching costs two trips to aiosqlite's thread.
            if self._postgres:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            return await _read_pair_history(connection, guild_id, requester_id, target_id, span)

    @contextlib.asynccontextmanager
    async def requester_turn(self, guild_id: int, requester_id: int) -> AsyncIterator[RequesterTurn]:
        """Decide one of a requester's demands while no other is decided, in this process or any other.

        The cooldown and the daily cap are judged from the requester's recorded demands, so reading them and
        recording the verdict happen in one transaction under the requester's lock: a transaction advisory
        lock on PostgreSQL (freed at commit, or by the server when the process dies), the database's write
        lock (BEGIN IMMEDIATE) on SQLite, whose turns in line share a transaction (`WriterRounds`). Take the
        decision's time inside the turn, so it follows every demand the turn can see. Nothing slow (no
        Discord call) belongs inside.
        """
        if self._rounds is not None:  # SQLite: in the writer's line, in a round of turns (rounds.py)
            async with self._rounds.turn() as connection:
                yield RequesterTurn(self, connection, guild_id, requester_id)
            return
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                     {"key": lock_key(f"requester:{guild_id}:{requester_id}")})
            yield RequesterTurn(self, connection, guild_id, requester_id)
            await connection.commit()

    async def event_count(self, guild_id: int | None = None) -> int:
        query = select(func.count()).select_from(InteractionEvent)
        if guild_id is not None:
            query = query.where(InteractionEvent.guild_id == guild_id)
        async with self._sessions() as session:
            return int((await session.execute(query)).scalar_one())

    # --- guild settings and audit ----------------------------------------------------------------

    async def guild_overrides(self, guild_id: int) -> dict[str, Any]:
        async with self._sessions() as session:
            row = await session.get(GuildSettings, guild_id)
        return dict(row.overrides) if row is not None else {}

    async def settings_version(self, guild_id: int) -> datetime | None:
        """When the guild's overrides last changed (None: never): a bot caching settings compares this, so a
        change made elsewhere (the web dashboard, another process) is in force at its next decision. Callers
        asking together share one query that starts after each asked (`JoinNextRun`)."""
        return await self._settings_versions(guild_id)

    async def _settings_version(self, guild_id: int) -> datetime | None:
        query = select(GuildSettings.updated_at).where(GuildSettings.guild_id == guild_id)
        async with self.engine.connect() as connection:
            value = (await connection.execute(query)).scalar_one_or_none()
        return aware(value) if value is not None else None

    async def set_guild_overrides(self, guild_id: int, overrides: dict[str, Any], now: datetime) -> None:
        statement = self._insert(GuildSettings).values(guild_id=guild_id, overrides=overrides, updated_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[GuildSettings.guild_id], set_={"overrides": overrides, "updated_at": now})
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def record_audit(self, guild_id: int, actor_id: int, action: AuditAction, detail: dict[str, Any],
                           now: datetime) -> None:
        async with self._sessions.begin() as session:
            session.add(AuditEntry(guild_id=guild_id, actor_id=actor_id, action=action, detail=detail,
                                   created_at=now))

    async def audit_entries(self, guild_id: int, limit: int = 50) -> list[AuditEntry]:
        query = (select(AuditEntry).where(AuditEntry.guild_id == guild_id)
                 .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit))
        async with self._sessions() as session:
            return list((await session.execute(query)).scalars())

    # --- members, follows, demands --------------------------------------------------------------

    async def record_demand(
        self, guild_id: int, requester_id: int, target_id: int, *, kind: str, verdict: Verdict, now: datetime,
        channel_id: int | None = None, message_id: int | None = None, reply_due: bool = False,
    ) -> int | None:
        """The demand's id, or None when this message's demand of this target was already recorded (a
        replayed dispatch, another process): then its answer is someone else's to give. One statement
        claims the demand and stores its verdict, so no reader ever sees one without the other."""
        row = demand_row(guild_id, requester_id, target_id, kind=kind, verdict=verdict, now=now,
                         channel_id=channel_id, message_id=message_id, reply_due=reply_due)
        async with self.engine.begin() as connection:
            return (await connection.execute(self.demand_insert, row)).scalar_one_or_none()

    async def settle_replies(self, demand_ids: Collection[int]) -> None:
        """These demands' replies were delivered (or given up): no later session sends them again."""
        async with self._writer_line(), self.engine.begin() as connection:
            await connection.execute(update(Demand).where(Demand.id.in_(sorted(demand_ids))).values(reply_due=False))

    async def replies_due(self, guild_ids: Collection[int], since: datetime) -> list[StoredDemand]:
        """Demands recorded since `since` whose reply is not known to be sent (the process stopped first)."""
        query = (select(Demand).where(Demand.guild_id.in_(sorted(guild_ids)), Demand.created_at >= since,
                                      Demand.reply_due)
                 .order_by(Demand.guild_id, Demand.created_at, Demand.id))
        async with self._sessions() as session:
            return [stored(row) for row in (await session.execute(query)).scalars()]

    async def record_dead_letter(self, kind: str, ids: dict[str, int], error: str) -> None:
        async with self._sessions.begin() as session:
            session.add(DeadLetter(kind=kind, ids={key: str(value) for key, value in ids.items()},
                                   error=error[:200], created_at=datetime.now(UTC)))

    async def dead_letters(self) -> list[DeadLetter]:
        async with self._sessions() as session:
            return list((await session.execute(select(DeadLetter).order_by(DeadLetter.id))).scalars())

    async def demand(self, demand_id: int) -> StoredDemand | None:
        async with self._sessions() as session:
            row = await session.get(Demand, demand_id)
        return stored(row) if row is not None else None

    async def latest_demand(self, guild_id: int, requester_id: int, target_id: int) -> StoredDemand | None:
        query = (select(Demand)
                 .where(Demand.guild_id == guild_id, Demand.requester_id == requester_id,
                        Demand.target_id == target_id)
                 .order_by(Demand.created_at.desc(), Demand.id.desc()).limit(1))
        async with self._sessions() as session:
            row = (await session.execute(query)).scalar_one_or_none()
        return stored(row) if row is not None else None


class RequesterTurn:
    """A requester's turn (`Store.requester_turn`): the pair's history read and the verdict recorded on the
    turn's own connection, inside its transaction."""

    def __init__(self, store: Store, connection: AsyncConnection, guild_id: int, requester_id: int) -> None:
        self._store = store
        self._connection = connection
        self.guild_id = guild_id
        self.requester_id = requester_id

    async def pair_history(self, target_id: int, span: HistorySpan) -> PairHistory:
        return await _read_pair_history(self._connection, self.guild_id, self.requester_id, target_id, span)

    async def record_demand(self, target_id: int, *, kind: str, verdict: Verdict, now: datetime,
                            channel_id: int | None = None, message_id: int | None = None,
                            reply_due: bool = False) -> int | None:
        """As `Store.record_demand`, committed when the turn ends."""
        row = demand_row(self.guild_id, self.requester_id, target_id, kind=kind, verdict=verdict, now=now,
                         channel_id=channel_id, message_id=message_id, reply_due=reply_due)
        return (await self._connection.execute(self._store.demand_insert, row)).scalar_one_or_none()


async def _read_pair_history(connection: AsyncConnection, guild_id: int, requester_id: int, target_id: int,
                             span: HistorySpan) -> PairHistory:
    """Both directions inside the span, the requester's standing, the target's preferences, and the
    requester's recent demands, in one statement (one round trip: `_pair_query`). The core judges them."""
    statement, parameters = decision_facts(guild_id, requester_id, target_id, span)
    rows = (await connection.execute(statement, parameters)).all()
    return pair_history_of(guild_id, requester_id, target_id, span, rows)
