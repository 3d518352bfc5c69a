"""A reply recorded as due until it is known to be sent: what the next session's catch-up sends."""

from __future__ import annotations

from datetime import timedelta

from bot.core.model import Outcome, Reason, Verdict
from bot.storage import Store
from tests.factories import GUILD, NOW

DECLINED = Verdict(Outcome.DECLINE, (Reason("not_enough_engagement"),), {"score_out": 1.0})
ALICE, BOB, CAROL = 1, 2, 3


async def _demand(store: Store, message_id: int, *, due: bool, guild: int = GUILD, minutes_ago: float = 1) -> int:
    demand_id = await store.record_demand(guild, ALICE, BOB, kind="request", verdict=DECLINED,
                                          now=NOW - timedelta(minutes=minutes_ago), channel_id=5,
                                          message_id=message_id, reply_due=due)
    assert demand_id is not None
    return demand_id


async def test_due_until_settled_fresh_only_and_per_guild(store: Store) -> None:
    due = await _demand(store, 10, due=True)
    await _demand(store, 11, due=False)  # silent, or capped again: no reply to send
    await _demand(store, 12, due=True, minutes_ago=30)  # too old to answer now
    await _demand(store, 13, due=True, guild=GUILD + 1)  # another guild's (another shard's) business
    since = NOW - timedelta(minutes=10)

    [found] = await store.replies_due([GUILD], since)
    assert (found.id, found.message_id, found.outcome, found.evidence) == (due, 10, Outcome.DECLINE, {"score_out": 1.0})
    await store.settle_replies([due])
    assert await store.replies_due([GUILD], since) == []
