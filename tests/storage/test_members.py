"""Member storage on every backend: consent answered once, suggestions, departures, guild purges."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from bot.core.model import InteractionKind, Preferences, RequestsFrom, RequestStatus
from bot.storage import Store
from tests.factories import GUILD, NOW, interaction

ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4


async def test_a_request_is_answered_once_and_not_after_it_expires(store: Store) -> None:
    members = store.consent
    live = await members.open_request(GUILD, BOB, ALICE, demand_id=None, now=NOW, expires_at=NOW + timedelta(days=1))
    stale = await members.open_request(GUILD, CAROL, ALICE, demand_id=None, now=NOW, expires_at=NOW)
    assert live is not None and stale is not None

    assert await members.settle_request(live, RequestStatus.ACCEPTED, NOW)
    assert not await members.settle_request(live, RequestStatus.DECLINED, NOW)  # the first answer stands
    assert not await members.settle_request(stale, RequestStatus.ACCEPTED, NOW + timedelta(seconds=1))
    assert await members.expire_requests(NOW + timedelta(seconds=1)) == 1
    request = await members.request(stale)
    assert request is not None and request.status == RequestStatus.EXPIRED


async def test_mutual_partners_are_two_way_and_take_requests(store: Store) -> None:
    events = [interaction(ALICE, partner, InteractionKind.REPLY, days_ago=d) for partner in (BOB, CAROL, DAVE)
              for d in (1, 2)]
    events += [interaction(BOB, ALICE, InteractionKind.REPLY, days_ago=d) for d in (1, 2)]
    events += [interaction(CAROL, ALICE, InteractionKind.REPLY, days_ago=d) for d in (1, 2)]
    await store.write_events(events)  # Dave never answered Alice
    await store.preferences.set_preferences(GUILD, CAROL, Preferences(requests_from=RequestsFrom.NOBODY), NOW)

    partners = await store.follows.mutual_partners(GUILD, ALICE, NOW - timedelta(days=30), min_each_way=2,
                                                   exclude=set(), limit=3)
    assert partners == [BOB]  # not Carol (takes no requests), not Dave (one-way)
    assert await store.follows.mutual_partners(GUILD, ALICE, NOW - timedelta(days=30), min_each_way=2,
                                               exclude={BOB}, limit=3) == []


async def test_members_who_left_are_due_only_after_the_grace_and_if_they_stayed_away(store: Store) -> None:
    members = store.departures
    await members.mark_left(GUILD, BOB, NOW - timedelta(days=10))
    await members.mark_left(GUILD, CAROL, NOW - timedelta(days=10))
    await store.write_events([interaction(CAROL, ALICE, days_ago=5)])  # Carol came back and talked
    await members.mark_left(GUILD, DAVE, NOW - timedelta(days=1))
    assert await members.departed_members(NOW - timedelta(days=7)) == [(GUILD, BOB, NOW - timedelta(days=10))]
    await members.mark_back(GUILD, BOB)
    assert await members.departed_members(NOW) == [(GUILD, DAVE, NOW - timedelta(days=1))]


async def test_a_guild_that_removed_the_bot_is_purged_whole_after_the_grace(store: Store) -> None:
    await store.write_events([interaction(ALICE, BOB), interaction(ALICE, BOB, guild=GUILD + 1)])
    await store.follows.follow(GUILD, ALICE, BOB, "command", NOW)
    await store.departures.mark_guild_left(GUILD, NOW - timedelta(days=40))
    await store.departures.mark_guild_left(GUILD + 1, NOW - timedelta(days=40))
    await store.departures.mark_guild_left(GUILD + 1, NOW, left=False)  # it came back
    assert await store.departures.departed_guilds(NOW - timedelta(days=30)) == [(GUILD, NOW - timedelta(days=40))]
    await store.departures.purge_guild(GUILD)
    assert await store.event_count(GUILD) == 0 and await store.event_count(GUILD + 1) == 1
    assert await store.follows.following(GUILD, ALICE) == []


async def test_asked_recently_covers_waiting_and_refused_requests(store: Store) -> None:
    members = store.consent
    later = NOW + timedelta(days=1)
    assert not await members.asked_recently(GUILD, BOB, ALICE, NOW, NOW - timedelta(days=7))
    waiting = await members.open_request(GUILD, BOB, ALICE, demand_id=None, now=NOW, expires_at=later)
    assert waiting is not None
    assert await members.asked_recently(GUILD, BOB, ALICE, NOW, NOW - timedelta(days=7))
    assert not await members.asked_recently(GUILD, CAROL, ALICE, NOW, NOW - timedelta(days=7))
    await members.settle_request(waiting, RequestStatus.DECLINED, NOW)
    assert await members.asked_recently(GUILD, BOB, ALICE, NOW, NOW - timedelta(days=7))
    assert not await members.asked_recently(GUILD, BOB, ALICE, later, NOW + timedelta(hours=1))


async def test_suggestions_take_one_statement_however_many_candidates(store: Store) -> None:
    """Bug 10.8a: a Why? press ran one query per candidate (up to 100); now one statement, same answer."""
    candidates = range(10, 40)
    events = [interaction(ALICE, partner, InteractionKind.REPLY, days_ago=d) for partner in candidates
              for d in (1, 2, 3)]
    events += [interaction(partner, ALICE, InteractionKind.REPLY, days_ago=d) for partner in candidates[::2]
               for d in (1, 2)]
    await store.write_events(events)
    await store.preferences.set_preferences(GUILD, 10, Preferences(requests_from=RequestsFrom.NOBODY), NOW)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        partners = await store.follows.mutual_partners(GUILD, ALICE, NOW - timedelta(days=30), min_each_way=2,
                                                       exclude={12}, limit=3)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)
    assert partners == [14, 16, 18]  # two-way, not 10 (takes no requests), not 12 (excluded); ties by id
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1, statements
