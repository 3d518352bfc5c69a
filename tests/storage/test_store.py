"""Storage behaviour on every backend: idempotent batches, the pair summary, demands, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.model import InteractionKind, Outcome, PostRef, Preferences, Reason, RequestsFrom, Verdict
from bot.core.scoring import decay, span_for
from bot.core.settings import Policy
from bot.storage import Store
from tests.factories import GUILD, NOW, interaction, pair_summary

ALICE, BOB, CAROL = 1, 2, 3
POLICY = Policy()


async def test_same_batch_twice_gives_same_counts(store: Store) -> None:
    batch = [interaction(ALICE, BOB, kind, days_ago=d) for d in (1, 2, 3) for kind in InteractionKind]
    await store.write_events(batch)
    first = await pair_summary(store, GUILD, ALICE, BOB, policy=POLICY, now=NOW)

    await store.write_events(batch)
    again = await pair_summary(store, GUILD, ALICE, BOB, policy=POLICY, now=NOW)

    assert again == first
    assert await store.event_count(GUILD) == len(batch)


async def test_summary_counts_each_kind_in_each_direction(store: Store) -> None:
    await store.write_events([
        interaction(ALICE, BOB, InteractionKind.REPLY, days_ago=2),
        interaction(ALICE, BOB, InteractionKind.REPLY, days_ago=1),
        interaction(ALICE, BOB, InteractionKind.REACTION, days_ago=1),
        interaction(BOB, ALICE, InteractionKind.CONVERSATION, days_ago=3),
        interaction(ALICE, CAROL, InteractionKind.REPLY, days_ago=1),  # another pair: not counted
        interaction(ALICE, BOB, InteractionKind.REPLY, days_ago=1, guild=GUILD + 1),  # another guild
    ])
    summary = await pair_summary(store, GUILD, ALICE, BOB, policy=POLICY, now=NOW)

    assert summary.outgoing.counts == {InteractionKind.REPLY: 2, InteractionKind.REACTION: 1}
    assert summary.incoming.counts == {InteractionKind.CONVERSATION: 1}
    assert summary.first_interaction == NOW - timedelta(days=3)
    assert summary.last_interaction == NOW - timedelta(days=1)
    assert summary.requester_activity == 4  # Alice's interactions with anyone in this guild
    assert summary.requester_days_known == pytest.approx(2.0)  # Alice first acted 2 days ago
    assert summary.target_top_channel_id == 50


async def test_scores_decay_with_the_configured_half_life(store: Store) -> None:
    half_life = POLICY.half_life_days
    await store.write_events([interaction(ALICE, BOB, InteractionKind.REPLY, days_ago=half_life),
                              interaction(ALICE, BOB, InteractionKind.REPLY, days_ago=0)])
    summary = await pair_summary(store, GUILD, ALICE, BOB, policy=POLICY, now=NOW)
    assert summary.outgoing.score == pytest.approx(POLICY.weights.reply * 1.5)
    assert decay(half_life * 86_400, half_life) == pytest.approx(0.5)


async def test_window_excludes_old_interactions(store: Store) -> None:
    await store.write_events([interaction(ALICE, BOB, days_ago=POLICY.window_days + 1),
                              interaction(ALICE, BOB, days_ago=POLICY.window_days - 1)])
    summary = await pair_summary(store, GUILD, ALICE, BOB, policy=POLICY, now=NOW)
    assert summary.outgoing.total == 1


async def test_first_seen_only_moves_back_in_time(store: Store) -> None:
    await store.write_events([interaction(CAROL, ALICE, days_ago=1)])
    await store.write_events([interaction(CAROL, ALICE, days_ago=10)])  # a backfill of older history
    await store.write_events([interaction(CAROL, ALICE, days_ago=0.5)])
    summary = await pair_summary(store, GUILD, CAROL, ALICE, policy=POLICY, now=NOW)
    assert summary.requester_days_known == pytest.approx(10.0)


async def test_first_seen_is_a_batchs_earliest_per_guild_and_keeps_a_members_choices(store: Store) -> None:
    choices = Preferences(requests_from=RequestsFrom.NOBODY)
    await store.preferences.set_preferences(GUILD, CAROL, choices, NOW - timedelta(days=2))
    await store.write_events([interaction(CAROL, ALICE, days_ago=3), interaction(CAROL, BOB, days_ago=8),
                              interaction(CAROL, ALICE, days_ago=5), interaction(CAROL, ALICE, days_ago=1,
                                                                                   guild=GUILD + 1)])
    here = await store.pair_history(GUILD, CAROL, ALICE, span_for(POLICY, NOW))
    there = await store.pair_history(GUILD + 1, CAROL, ALICE, span_for(POLICY, NOW))
    assert here.standing.first_seen == NOW - timedelta(days=8)
    assert there.standing.first_seen == NOW - timedelta(days=1)
    assert (await store.pair_history(GUILD, ALICE, CAROL, span_for(POLICY, NOW))).target_preferences == choices


async def test_withdrawing_a_message_removes_its_interactions(store: Store) -> None:
    await store.write_events([interaction(ALICE, BOB, InteractionKind.REPLY, source=77),
                              interaction(ALICE, CAROL, InteractionKind.MENTION, source=77),
                              interaction(ALICE, BOB, InteractionKind.REPLY, source=78)])
    assert await store.withdraw_sources(GUILD + 1, [77]) == 0  # another guild's message with the same id
    assert await store.withdraw_sources(GUILD, [77]) == 2
    assert await store.event_count(GUILD) == 1


async def test_retention_purges_only_old_events(store: Store) -> None:
    await store.write_events([interaction(ALICE, BOB, days_ago=400), interaction(ALICE, BOB, days_ago=10)])
    assert await store.purge_events_before(NOW - timedelta(days=365)) == 1
    assert await store.event_count() == 1


async def test_follows_show_in_the_summary_and_are_idempotent(store: Store) -> None:
    assert await store.follows.follow(GUILD, BOB, ALICE, "command", NOW)
    assert not await store.follows.follow(GUILD, BOB, ALICE, "command", NOW)
    summary = await pair_summary(store, GUILD, ALICE, BOB, policy=POLICY, now=NOW)
    assert summary.target_follows_requester and not summary.requester_follows_target


async def test_demands_are_stored_with_their_verdict(store: Store) -> None:
    verdict = Verdict(Outcome.DECLINE, (Reason("not_enough_engagement", {"score_out": 1.5, "needed": 3.0}),),
                      {"score_out": 1.5, "window_days": 90})
    first = await store.record_demand(GUILD, CAROL, ALICE, kind="reciprocal", verdict=verdict,
                                     now=NOW - timedelta(hours=2))
    latest = await store.record_demand(GUILD, CAROL, ALICE, kind="request", verdict=verdict, now=NOW,
                                      channel_id=5, message_id=6)

    stored = await store.latest_demand(GUILD, CAROL, ALICE)
    assert stored is not None and stored.id == latest != first
    assert stored.outcome is Outcome.DECLINE and stored.created_at == NOW
    assert stored.reasons == [{"code": "not_enough_engagement", "score_out": 1.5, "needed": 3.0}]
    assert (stored.channel_id, stored.message_id, stored.kind) == (5, 6, "request")
    assert await store.latest_demand(GUILD + 1, CAROL, ALICE) is None
    inputs = await store.pair_history(GUILD, CAROL, ALICE, span_for(POLICY, NOW))
    assert [(d.target_id, d.at) for d in inputs.recent_demands] == [(ALICE, NOW - timedelta(hours=2))]  # not itself
    later = await store.pair_history(GUILD, CAROL, ALICE, span_for(POLICY, NOW + timedelta(hours=1)))
    assert sorted(d.at for d in later.recent_demands) == [NOW - timedelta(hours=2), NOW]  # the cap looks back a day


async def test_preferences_default_and_update(store: Store) -> None:
    assert await store.preferences.preferences(GUILD, ALICE) == Preferences()
    wanted = Preferences(requests_from=RequestsFrom.NOBODY, auto_accept=True)
    await store.preferences.set_preferences(GUILD, ALICE, wanted, NOW)
    assert await store.preferences.preferences(GUILD, ALICE) == wanted
    assert await store.preferences.preferences(GUILD + 1, ALICE) == Preferences()


async def test_withdrawing_and_retention_take_posts_too(store: Store) -> None:
    old, new = NOW - timedelta(days=400), NOW - timedelta(days=1)
    await store.write_events([PostRef(GUILD, 50, 901, ALICE, old), PostRef(GUILD, 50, 902, ALICE, new),
                              PostRef(GUILD, 50, 903, ALICE, new)])
    await store.follows.follow(GUILD, BOB, ALICE, "command", NOW)
    await store.withdraw_sources(GUILD, [903])
    await store.purge_events_before(NOW - timedelta(days=365))
    items, total = await store.follows.feed(GUILD, BOB, [50], limit=10, offset=0)
    assert [item.message_id for item in items] == [902] and total == 1
