"""Bug 10.8d: a withdrawal (a message deleted, a reaction removed) takes back only its own events. Those still
waiting in memory are dropped unwritten; it does not make the bot write every guild's pending events first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.adapter.app import QuidProNo
from bot.storage.models import InteractionEvent, Post
from standin import Emoji
from tests.e2e.conftest import World, inprocess_bot, settle
from tests.e2e.test_members import demand


async def stored(bot: QuidProNo, guild_id: int) -> int:
    async with bot.store.engine.connect() as connection:
        events = await connection.scalar(select(func.count()).select_from(InteractionEvent).where(
            InteractionEvent.guild_id == guild_id))
        posts = await connection.scalar(select(func.count()).select_from(Post).where(Post.guild_id == guild_id))
    return (events or 0) + (posts or 0)


@pytest.fixture
async def bot(world: World, tmp_path: Path) -> AsyncIterator[QuidProNo]:
    # Nothing is written on a timer during the test: only what a handler forces.
    async with inprocess_bot(world, tmp_path, ingest={"flush_interval_seconds": 300}) as client:
        yield client


async def test_a_deletion_drops_its_waiting_events_and_writes_no_other_guilds(world: World, bot: QuidProNo) -> None:
    standin = world.standin
    other = standin.add_guild("Elsewhere")
    lobby = standin.add_channel(other, "lobby")
    bob, alice = standin.add_member(other, world.bob.user), standin.add_member(other, world.alice.user)
    await settle(world)  # the bot knows Elsewhere
    hello = await standin.send_message(lobby, bob, "hello")
    await standin.send_message(lobby, alice, "hi", reply_to=hello)  # waiting in memory, in Elsewhere
    first = await standin.send_message(world.general, world.bob, "morning")
    reply = await standin.send_message(world.general, world.alice, "hey", reply_to=first)
    await settle(world)
    waiting = bot.batcher.pending
    assert waiting > 0

    await standin.delete_message(reply)
    await settle(world)
    assert await stored(bot, other.id) == 0, "Elsewhere's events were written by a deletion in Makers"
    assert bot.batcher.pending < waiting  # the deleted message's post and reply were dropped unwritten

    await bot.batcher.flush()
    async with bot.store.engine.connect() as connection:
        from_reply = await connection.scalar(select(func.count()).select_from(InteractionEvent).where(
            InteractionEvent.source_id == reply.id))
    assert from_reply == 0 and await stored(bot, other.id) > 0


async def test_a_removed_reaction_is_dropped_before_it_is_written(world: World, bot: QuidProNo) -> None:
    standin = world.standin
    post = await standin.send_message(world.general, world.bob, "sketch")
    await standin.add_reaction(post, world.alice, Emoji(name="👍"))
    await settle(world)
    await standin.remove_reaction(post, world.alice, Emoji(name="👍"))
    await settle(world)
    assert await stored(bot, world.guild.id) == 0  # nothing was written to take it back
    await bot.batcher.flush()
    async with bot.store.engine.connect() as connection:
        reactions = await connection.scalar(select(func.count()).select_from(InteractionEvent).where(
            InteractionEvent.kind == "reaction"))
    assert reactions == 0 and await stored(bot, world.guild.id) == 1  # Bob's post stays


async def test_a_demand_writes_only_its_own_guilds_pending_events(world: World, bot: QuidProNo) -> None:
    """Deciding reads the freshest history of the demand's guild: that guild's pending events are written
    first, no other guild's (each flush of everything was a write of every guild's events per demand)."""
    standin = world.standin
    other = standin.add_guild("Elsewhere")
    lobby = standin.add_channel(other, "lobby")
    bob, alice = standin.add_member(other, world.bob.user), standin.add_member(other, world.alice.user)
    await settle(world)
    hello = await standin.send_message(lobby, bob, "hello")
    await standin.send_message(lobby, alice, "hi", reply_to=hello)  # waiting in memory, in Elsewhere
    first = await standin.send_message(world.general, world.carol, "morning")
    await standin.send_message(world.general, world.alice, "hey", reply_to=first)
    await settle(world)

    await demand(world, world.alice, world.carol)  # in Makers
    assert await stored(bot, world.guild.id) > 0  # Makers' history was written to decide on it
    assert await stored(bot, other.id) == 0, "Elsewhere's events were written for a demand in Makers"
