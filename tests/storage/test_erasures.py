"""The erasure record at the storage level: what a guild purge, an export and another process see of it."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import Store, make_engine
from tests.factories import GUILD, NOW, interaction

ALICE, BOB = 1, 2
OTHER = GUILD + 1


async def test_a_guild_purge_drops_its_erasures_and_only_its_own(store: Store) -> None:
    await store.privacy.forget(GUILD, ALICE, NOW)
    await store.privacy.forget(OTHER, ALICE, NOW)
    await store.departures.purge_guild(GUILD)
    assert (await store.privacy.export(GUILD, ALICE))["erased_at"] is None
    assert (await store.privacy.export(OTHER, ALICE))["erased_at"] == NOW.isoformat()
    # the purged guild no longer holds her history back; the other guild still does
    await store.write_events([interaction(ALICE, BOB, days_ago=1), interaction(ALICE, BOB, days_ago=1, guild=OTHER)])
    assert await store.event_count(GUILD) == 1 and await store.event_count(OTHER) == 0


async def test_the_export_says_when_the_member_erased_their_data(store: Store) -> None:
    assert (await store.privacy.export(GUILD, ALICE))["erased_at"] is None
    await store.privacy.forget(GUILD, ALICE, NOW - timedelta(days=2))
    await store.privacy.forget(GUILD, ALICE, NOW)  # a second erasure moves the time on
    assert (await store.privacy.export(GUILD, ALICE))["erased_at"] == NOW.isoformat()
    assert (await store.privacy.export(GUILD, BOB))["erased_at"] is None


async def test_an_erasure_made_by_another_process_holds_here_at_once(store: Store, migrated_url: str) -> None:
    """The write path reads the guild's erasures in its own transaction, uncached: an erasure made from the
    dashboard or another shard's process must hold for this process's very next write."""
    await store.write_events([interaction(BOB, ALICE, days_ago=3)])  # the guild is known to this process
    other = Store(make_engine(migrated_url))
    try:
        await other.privacy.forget(GUILD, ALICE, NOW)
    finally:
        await other.close()
    before, after = interaction(ALICE, BOB, days_ago=1), interaction(BOB, ALICE, days_ago=-1)
    await store.write_events([before, after])
    assert await store.event_count(GUILD) == 1  # only the one after the erasure
