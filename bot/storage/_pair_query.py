"""The statement behind a decision: everything `decide` needs about a pair, read in one round trip.

The requester's standing and the target's preferences make one row (scalar subqueries); both directions of
the pair's interactions and the requester's recent demands are fact rows, tagged, joined to it. Every part
reads an index range that does not grow with the rest of the history (see migration 0009).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, func, literal, literal_column, select, true, union_all

from bot.core.model import InteractionKind, Outcome, PastDemand, Preferences, TimedInteraction
from bot.core.scoring import HistorySpan, PairHistory, RequesterStanding
from bot.storage._util import aware
from bot.storage.members import preferences_of
from bot.storage.models import Demand, Follow, InteractionEvent, Member

TOP_CHANNEL_SAMPLE = 200
CONNECTION_VIAS = ("consent", "auto_accept")  # how follows made by a connection are recorded
STANDING_COLUMNS = 11
INTERACTION, DEMAND = "i", "d"


def decision_facts(guild_id: int, requester_id: int, target_id: int, span: HistorySpan) -> Select[Any]:
    """One row per fact (none: one row with empty fact columns), each carrying the standing columns."""
    since, until = span.since, span.until
    row = standing(guild_id, requester_id, target_id, since, until).subquery("standing")
    interaction = literal_column(f"'{INTERACTION}'", String).label("tag")
    demand = literal_column(f"'{DEMAND}'", String).label("tag")
    facts = union_all(
        direction(guild_id, requester_id, target_id, since, until).add_columns(interaction),
        direction(guild_id, target_id, requester_id, since, until).add_columns(interaction),
        demands_since(guild_id, requester_id, span.demands_since, until).add_columns(demand),
    ).subquery("facts")
    return select(row, facts).select_from(row.outerjoin(facts, true()))


def pair_history_of(guild_id: int, requester_id: int, target_id: int, span: HistorySpan,
                    rows: Sequence[Row[Any]]) -> PairHistory:
    (activity, first_seen, follows_target, followed_by_target, top_channel, new_connections,
     requests_from, auto_accept, explain_via, bar, weekly_quota) = rows[0][:STANDING_COLUMNS]
    standing = RequesterStanding(
        activity=activity or 0,
        first_seen=aware(first_seen) if first_seen is not None else None,
        follows_target=bool(follows_target),
        followed_by_target=bool(followed_by_target),
        target_top_channel_id=top_channel,
        target_new_connections=new_connections or 0,
    )
    preferences = Preferences() if requests_from is None else preferences_of(
        requests_from, auto_accept, explain_via, bar, weekly_quota)
    facts = [row[STANDING_COLUMNS:] for row in rows]
    interactions = [TimedInteraction(who, InteractionKind(what), aware(at)) for who, what, at, tag in facts
                    if tag == INTERACTION]
    recent = [PastDemand(who, Outcome(what), aware(at)) for who, what, at, tag in facts if tag == DEMAND]
    return PairHistory(guild_id, requester_id, target_id, span, interactions, standing, preferences, recent)


def direction(
    guild_id: int, actor_id: int, target_id: int, since: datetime, until: datetime
) -> Select[int, str, datetime]:
    e = InteractionEvent
    return select(e.actor_id, e.kind, e.occurred_at).where(
        e.guild_id == guild_id, e.actor_id == actor_id, e.target_id == target_id,
        e.occurred_at.between(since, until))


def _follows(guild_id: int, follower_id: int, followee_id: int) -> ColumnElement[bool]:
    return select(literal(True)).where(
        Follow.guild_id == guild_id, Follow.follower_id == follower_id, Follow.followee_id == followee_id,
    ).exists()


def standing(guild_id: int, requester_id: int, target_id: int, since: datetime, until: datetime) -> Select[Any]:
    e = InteractionEvent
    activity = select(func.count()).where(
        e.guild_id == guild_id, e.actor_id == requester_id, e.occurred_at.between(since, until)).scalar_subquery()
    first_seen = select(Member.first_seen).where(
        Member.guild_id == guild_id, Member.user_id == requester_id).scalar_subquery()
    # Where the target has been most active lately: their latest posts say it as well as all of them.
    latest = (select(e.channel_id)
              .where(e.guild_id == guild_id, e.actor_id == target_id, e.occurred_at.between(since, until))
              .order_by(e.occurred_at.desc()).limit(TOP_CHANNEL_SAMPLE).subquery())
    top_channel = (select(latest.c.channel_id).group_by(latest.c.channel_id)
                   .order_by(func.count().desc(), latest.c.channel_id).limit(1).scalar_subquery())

    def target_preference(column: Any) -> Any:
        return select(column).where(Member.guild_id == guild_id, Member.user_id == target_id).scalar_subquery()

    return select(activity.label("activity"), first_seen.label("first_seen"),
                  _follows(guild_id, requester_id, target_id).label("follows_target"),
                  _follows(guild_id, target_id, requester_id).label("followed_by_target"),
                  top_channel.label("top_channel"),
                  _new_connections(guild_id, target_id, until).label("new_connections"),
                  *(target_preference(column).label(column.key) for column in (
                      Member.requests_from, Member.auto_accept, Member.explain_via, Member.bar, Member.weekly_quota)))


def _new_connections(guild_id: int, member_id: int, until: datetime) -> Any:
    """Connections `member_id` made in the week before `until`, by consent or auto-accept: their quota's count."""
    return select(func.count()).where(
        Follow.guild_id == guild_id, Follow.follower_id == member_id, Follow.via.in_(CONNECTION_VIAS),
        Follow.since > until - timedelta(days=7), Follow.since <= until).scalar_subquery()


def demands_since(guild_id: int, requester_id: int, since: datetime, until: datetime) -> Select[int, str, datetime]:
    """Demands made before `until` (strictly: a replayed demand must not see itself)."""
    return select(Demand.target_id, Demand.outcome, Demand.created_at).where(
        Demand.guild_id == guild_id, Demand.requester_id == requester_id, Demand.created_at >= since,
        Demand.created_at < until)


