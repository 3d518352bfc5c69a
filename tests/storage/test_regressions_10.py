"""Regression tests for issue #10's storage bugs, on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.model import Outcome, Reason, Verdict
from bot.core.scoring import span_for
from bot.core.settings import Policy
from bot.storage import Store, make_engine
from tests.factories import GUILD, NOW, interaction

ALICE, BOB = 1, 2
POLICY = Policy()


async def first_seen(store: Store, member: int) -> object:
    history = await store.pair_history(GUILD, member, BOB, span_for(POLICY, NOW))
    return history.standing.first_seen


async def test_10_1_a_returning_member_after_a_guild_purge_is_seen_again(store: Store) -> None:
    await store.write_events([interaction(ALICE, BOB, days_ago=30)])
    await store.departures.purge_guild(GUILD)
    await store.write_events([interaction(ALICE, BOB, days_ago=10)])
    assert await first_seen(store, ALICE) == NOW - timedelta(days=10)  # not unknown (read as 0 days known)


async def test_10_1_forget_me_in_another_process_does_not_blind_this_one(store: Store, migrated_url: str) -> None:
    await store.write_events([interaction(ALICE, BOB, days_ago=30)])
    other = Store(make_engine(migrated_url))  # the dashboard, or another shard's process
    try:
        await other.privacy.forget(GUILD, ALICE, NOW - timedelta(days=20))
    finally:
        await other.close()
    await store.write_events([interaction(ALICE, BOB, days_ago=5)])
    assert await first_seen(store, ALICE) == NOW - timedelta(days=5)


DECLINED = Verdict(Outcome.DECLINE, (Reason("not_enough_engagement"),), {})


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
async def test_10_4_an_erased_demand_id_is_never_given_again(store: Store) -> None:
    erased = await store.record_demand(GUILD, ALICE, BOB, kind="request", verdict=DECLINED, now=NOW, message_id=7)
    await store.privacy.forget(GUILD, ALICE, NOW)
    later = await store.record_demand(GUILD, BOB, ALICE, kind="request", verdict=DECLINED, now=NOW, message_id=8)
    assert erased is not None and later is not None and later > erased


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
async def test_10_4_an_erased_consent_request_id_is_never_given_again(store: Store) -> None:
    erased = await store.consent.open_request(GUILD, ALICE, BOB, demand_id=None, now=NOW,
                                              expires_at=NOW + timedelta(days=7))
    await store.privacy.forget(GUILD, ALICE, NOW)
    later = await store.consent.open_request(GUILD, BOB, ALICE, demand_id=None, now=NOW,
                                             expires_at=NOW + timedelta(days=7))
    assert erased is not None and later is not None and later > erased
