"""An erasure holds: /forget-me is not undone when the bot reads channel history again, by a catch-up after a
gap or by a moderator's backfill. What the member says after the erasure is recorded as usual."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, or_, select

from bot.adapter.app import QuidProNo
from bot.core.catchup import Report
from bot.core.model import InteractionKind
from bot.storage.models import Demand, InteractionEvent, Post
from standin import Member, Permissions
from tests.clock import Clock
from tests.e2e.conftest import World, inprocess_bot, settle
from tests.e2e.test_members import button, command


async def rows_about(bot: QuidProNo, guild_id: int, user_id: int) -> int:
    """Interactions either way, posts and demands naming the member in one guild."""
    e = InteractionEvent
    async with bot.store.engine.connect() as connection:
        interactions = await connection.scalar(select(func.count()).select_from(e).where(
            e.guild_id == guild_id, or_(e.actor_id == user_id, e.target_id == user_id)))
        posts = await connection.scalar(select(func.count()).select_from(Post).where(
            Post.guild_id == guild_id, Post.author_id == user_id))
        demands = await connection.scalar(select(func.count()).select_from(Demand).where(
            Demand.guild_id == guild_id, or_(Demand.requester_id == user_id, Demand.target_id == user_id)))
    return (interactions or 0) + (posts or 0) + (demands or 0)


async def forget_me(world: World, member: Member) -> None:
    asked = await command(world, member, "forget-me")
    assert "only" in asked.content and "erasure" in asked.content  # says what is kept, and why
    done = await (await world.standin.click_button(asked.message, button(asked.message, "Erase my data"),
                                                   member)).wait_response(5)
    assert "erased" in (done.content or "")


@pytest.fixture
async def bot(world: World, tmp_path: Path) -> AsyncIterator[QuidProNo]:
    async with inprocess_bot(world, tmp_path, policy={"daily_demand_cap": 100, "cooldown_minutes": 0},
                             backfill={"progress_seconds": 0.2}) as client:
        yield client


async def test_a_catch_up_after_forget_me_does_not_record_the_member_again(world: World, bot: QuidProNo) -> None:
    reports: asyncio.Queue[Report] = asyncio.Queue()

    async def caught_up(_shard_id: int, report: Report) -> None:
        reports.put_nowait(report)

    bot.add_listener(caught_up, "on_catchup_done")
    await settle(world)  # the first session's catch-up (nothing recorded yet) is over
    while not reports.empty():
        reports.get_nowait()
    say, guild = world.standin.send_message, world.guild.id
    first = await say(world.general, world.bob, "morning")
    await say(world.general, world.alice, "hi bob", reply_to=first)  # her messages are the channel's newest
    await say(world.general, world.alice, f"<@{world.carol.id}> look at this")
    await settle(world)
    await bot.batcher.flush()
    assert await rows_about(bot, guild, world.alice.id) > 0

    await forget_me(world, world.alice)
    assert await rows_about(bot, guild, world.alice.id) == 0
    await world.standin.invalidate_session(resumable=False)  # a new session reads the history after a gap
    report = await asyncio.wait_for(reports.get(), 30)
    await bot.batcher.flush()
    assert report.channels >= 1  # #general was read again
    assert report.interactions == 0  # read, and recorded neither again nor about her: its log line says so
    assert await rows_about(bot, guild, world.alice.id) == 0

    back = await say(world.general, world.alice, "I'm back", reply_to=first)  # after the erasure: recorded
    await settle(world)
    await bot.batcher.flush()
    async with bot.store.engine.connect() as connection:
        recorded = await connection.scalar(select(func.count()).select_from(InteractionEvent).where(
            InteractionEvent.source_id == back.id, InteractionEvent.actor_id == world.alice.id))
    assert recorded == 1


async def test_a_catch_up_after_forget_me_does_not_decide_their_demands_again(world: World, bot: QuidProNo) -> None:
    """Demands are not interactions: catch-up claims them once per message, but the erasure deleted the claim
    too. A demand by or aimed at the erased member, read again while still fresh, must not be decided (stored)
    or answered a second time."""
    reports: asyncio.Queue[Report] = asyncio.Queue()

    async def caught_up(_shard_id: int, report: Report) -> None:
        reports.put_nowait(report)

    bot.add_listener(caught_up, "on_catchup_done")
    await settle(world)
    while not reports.empty():
        reports.get_nowait()
    say, s, guild = world.standin.send_message, world.standin, world.guild.id
    first = await say(world.general, world.bob, "morning")
    to_her = await say(world.general, world.bob, f"{world.bot_mention} <@{world.alice.id}> follow me back")
    by_her = await say(world.general, world.alice, f"{world.bot_mention} <@{world.carol.id}> follow me back")
    await say(world.general, world.alice, "hi bob", reply_to=first)
    await s.wait_for_bot_message(world.general, lambda reply: reply.referenced is to_her, timeout=15)
    await s.wait_for_bot_message(world.general, lambda reply: reply.referenced is by_her, timeout=15)
    await settle(world)
    await bot.batcher.flush()
    assert await rows_about(bot, guild, world.alice.id) > 0

    await forget_me(world, world.alice)
    await s.invalidate_session(resumable=False)
    report = await asyncio.wait_for(reports.get(), 30)
    await settle(world)
    await bot.batcher.flush()
    assert report.channels >= 1
    assert await rows_about(bot, guild, world.alice.id) == 0
    for sent in (to_her, by_her):
        assert len([m for m in world.general.messages if m.author is s.bot and m.referenced is sent]) == 1


async def test_a_backfill_after_forget_me_skips_the_member_and_keeps_the_rest(world: World, bot: QuidProNo) -> None:
    start = datetime.now(UTC) - timedelta(days=2)
    add, s = world.standin.add_message, world.standin
    bob_post = add(world.art, world.bob, "sketch", timestamp=start)
    add(world.art, world.alice, "lovely", reply_to=bob_post, timestamp=start + timedelta(minutes=10))
    add(world.art, world.carol, "agreed", reply_to=bob_post, timestamp=start + timedelta(minutes=20))
    her_reply = add(world.art, world.alice, f"<@{world.dave.id}> see", timestamp=start + timedelta(minutes=30))
    # reactions: history gives them dated at the message's time (their own time is unknown)
    await s.add_reaction(bob_post, world.alice, "🎨")  # hers, on his post
    await s.add_reaction(her_reply, world.bob, "👀")  # his, on her message
    await s.add_reaction(bob_post, world.dave, "🎨")  # nobody erased here: read again by the backfill
    await settle(world)
    await forget_me(world, world.alice)  # before any of that was read

    mod = s.add_member(world.guild, "mod", permissions=Permissions.MANAGE_GUILD)
    handle = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
    await handle.wait_response()
    await handle.wait_content(lambda content: "finished" in content, timeout=60)
    await bot.batcher.flush()

    assert await rows_about(bot, world.guild.id, world.alice.id) == 0
    async with bot.store.engine.connect() as connection:
        carol_to_bob = await connection.scalar(select(func.count()).select_from(InteractionEvent).where(
            InteractionEvent.actor_id == world.carol.id, InteractionEvent.target_id == world.bob.id))
        dave_to_bob = await connection.scalar(select(func.count()).select_from(InteractionEvent).where(
            InteractionEvent.actor_id == world.dave.id, InteractionEvent.target_id == world.bob.id,
            InteractionEvent.kind == InteractionKind.REACTION.value))
    assert carol_to_bob == 1  # the others' history is still read
    assert dave_to_bob == 1  # and their reactions
    assert await rows_about(bot, world.guild.id, world.bob.id) > 0


async def test_an_erasure_in_one_guild_does_not_hide_the_member_in_another(world: World, tmp_path: Path) -> None:
    standin = world.standin
    other = standin.add_guild("Elsewhere")
    lobby = standin.add_channel(other, "lobby")
    bob, alice = standin.add_member(other, world.bob.user), standin.add_member(other, world.alice.user)
    start = datetime.now(UTC) - timedelta(days=1)
    hello = standin.add_message(lobby, bob, "hello", timestamp=start)
    standin.add_message(lobby, alice, "hi", reply_to=hello, timestamp=start + timedelta(minutes=1))
    async with inprocess_bot(world, tmp_path, backfill={"progress_seconds": 0.2}) as bot:
        await forget_me(world, world.alice)  # in Makers
        mod = standin.add_member(other, "mod", permissions=Permissions.MANAGE_GUILD)
        handle = await standin.slash_command(lobby, mod, "quidpro backfill", {"days": 30})
        await handle.wait_response()
        await handle.wait_content(lambda content: "finished" in content, timeout=60)
        await bot.batcher.flush()
        assert await rows_about(bot, other.id, world.alice.id) >= 2  # her post and her reply, in Elsewhere


async def test_an_erasure_holds_when_the_hosts_clock_is_behind_discords(world: World, tmp_path: Path) -> None:
    """The erasure time is compared with message times, which are Discord's: a host clock a minute slow must not
    leave the member's last minute of messages to be read again."""
    slow = Clock()
    slow.advance(minutes=-1)
    hello = world.standin.add_message(world.art, world.bob, "hello", timestamp=datetime.now(UTC) - timedelta(hours=1))
    world.standin.add_message(world.art, world.alice, "hi", reply_to=hello)  # just now, by Discord's clock
    async with inprocess_bot(world, tmp_path, slow, backfill={"progress_seconds": 0.2}) as bot:
        await forget_me(world, world.alice)
        mod = world.standin.add_member(world.guild, "mod", permissions=Permissions.MANAGE_GUILD)
        handle = await world.standin.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
        await handle.wait_response()
        await handle.wait_content(lambda content: "finished" in content, timeout=60)
        await bot.batcher.flush()
        assert await rows_about(bot, world.guild.id, world.alice.id) == 0
