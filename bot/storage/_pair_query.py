"""The statement behind a decision: everything `decide` needs about a pair, read in one round trip.

The requester's standing and the target's preferences make one row (scalar subqueries); both directions of
the pair's interactions and the requester's recent demands are fact rows, tagged, joined to it. Every part
reads an index range that does not grow with the rest of the history (see migration 0009).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Select,
    String,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    true,
    union_all,
)

from bot.core.model import InteractionKind, Outcome, PastDemand, Preferences, TimedInteraction
from bot.core.scoring import HistorySpan, PairHistory, RequesterStanding
from bot.storage._util import aware
from bot.storage.members import preferences_of
from bot.storage.models import Demand, Follow, InteractionEvent, Member, UTCDateTime

TOP_CHANNEL_SAMPLE = 200
CONNECTION_VIAS = ("consent", "auto_accept")  # how follows made by a connection are recorded
# Written into the SQL: a bound list is expanded again at every execution of the cached statement.
_CONNECTION_VIAS_SQL = [literal_column(f"'{via}'", String) for via in CONNECTION_VIAS]
STANDING_COLUMNS = 11
INTERACTION, DEMAND = "i", "d"


def decision_facts(guild_id: int, requester_id: int, target_id: int,
                   span: HistorySpan) -> tuple[Select[Any], dict[str, Any]]:
    """The statement and its parameters: one row per fact (none: one row with empty fact columns), each
    carrying the standing columns."""
    return _statement(), {"guild": guild_id, "requester": requester_id, "target": target_id, "since": span.since,
                          "until": span.until, "week_ago": span.until - timedelta(days=7),
                          "demands_since": span.demands_since}


@functools.cache
def _statement() -> Select[Any]:
    """Built once with named parameters: building this construct costs more than running it."""
    ids = {name: bindparam(name, type_=BigInteger()) for name in ("guild", "requester", "target")}
    times = {name: bindparam(name, type_=UTCDateTime()) for name in ("since", "until", "week_ago", "demands_since")}
    guild_id, requester_id, target_id = ids["guild"], ids["requester"], ids["target"]
    since, until = times["since"], times["until"]
    row = standing(guild_id, requester_id, target_id, since, until, week_ago=times["week_ago"]).subquery("standing")
    interaction = literal_column(f"'{INTERACTION}'", String).label("tag")
    demand = literal_column(f"'{DEMAND}'", String).label("tag")
    facts = union_all(
        direction(guild_id, requester_id, target_id, since, until).add_columns(interaction),
        direction(guild_id, target_id, requester_id, since, until).add_columns(interaction),
        demands_since(guild_id, requester_id, times["demands_since"], until).add_columns(demand),
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


def direction(guild_id: Any, actor_id: Any, target_id: Any, since: Any, until: Any) -> Select[int, str, datetime]:
    e = InteractionEvent
    return select(e.actor_id, e.kind, e.occurred_at).where(
        e.guild_id == guild_id, e.actor_id == actor_id, e.target_id == target_id,
        e.occurred_at.between(since, until))


def _follows(guild_id: Any, follower_id: Any, followee_id: Any) -> ColumnElement[bool]:
    return select(literal(True)).where(
        Follow.guild_id == guild_id, Follow.follower_id == follower_id, Follow.followee_id == followee_id,
    ).exists()


def standing(guild_id: Any, requester_id: Any, target_id: Any, since: Any, until: Any, *,
             week_ago: Any = None) -> Select[Any]:
    """Values or bound parameters; `week_ago` defaults to a week before `until` (a datetime then)."""
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
                  _new_connections(guild_id, target_id, until, week_ago).label("new_connections"),
                  *(target_preference(column).label(column.key) for column in (
                      Member.requests_from, Member.auto_accept, Member.explain_via, Member.bar, Member.weekly_quota)))


def _new_connections(guild_id: Any, member_id: Any, until: Any, week_ago: Any) -> Any:
    """Connections `member_id` made in the week before `until`, by consent or auto-accept: their quota's count."""
    week_ago = until - timedelta(days=7) if week_ago is None else week_ago
    return select(func.count()).where(
        Follow.guild_id == guild_id, Follow.follower_id == member_id, Follow.via.in_(_CONNECTION_VIAS_SQL),
        Follow.since > week_ago, Follow.since <= until).scalar_subquery()


def demands_since(guild_id: Any, requester_id: Any, since: Any, until: Any) -> Select[int, str, datetime]:
    """Demands made before `until` (strictly: a replayed demand must not see itself)."""
    return select(Demand.target_id, Demand.outcome, Demand.created_at).where(
        Demand.guild_id == guild_id, Demand.requester_id == requester_id, Demand.created_at >= since,
        Demand.created_at < until)


