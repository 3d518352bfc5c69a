"""Recording history from gateway events, with the bot running in-process against the stand-in."""

from __future__ import annotations

from sqlalchemy import select

from bot.adapter.app import QuidProNo
from bot.storage.models import InteractionEvent
from tests.e2e.conftest import World, settle

Row = tuple[int, int, str, int]


async def rows(bot: QuidProNo) -> set[Row]:
    await bot.batcher.flush()
    e = InteractionEvent
    async with bot.store.engine.connect() as connection:
        result = await connection.execute(select(e.actor_id, e.target_id, e.kind, e.source_id))
        return {(actor, target, kind, source) for actor, target, kind, source in result}


async def test_replies_mentions_and_reactions_are_recorded_without_text(world: World, bot: QuidProNo) -> None:
    s, a, b, c = world.standin, world.alice, world.bob, world.carol
    post = await s.send_message(world.art, a, "my new drawing")
    reply = await s.send_message(world.art, b, f"love it, <@{c.id}> look", reply_to=post)
    await s.add_reaction(post, c, "🔥")
    await s.add_reaction(post, a, "🔥")  # reacting to yourself counts for nothing
    await settle(world)

    assert await rows(bot) == {
        (b.id, a.id, "reply", reply.id),
        (b.id, c.id, "mention", reply.id),
        (b.id, a.id, "conversation", reply.id),
        (c.id, a.id, "reaction", post.id),
    }
    async with bot.store.engine.connect() as connection:
        stored = str((await connection.exec_driver_sql("SELECT * FROM interaction_events")).all())
    assert "drawing" not in stored and "love" not in stored


async def test_deleting_a_message_or_a_reaction_withdraws_what_it_created(world: World, bot: QuidProNo) -> None:
    s = world.standin
    post = await s.send_message(world.art, world.alice, "hello")
    reply = await s.send_message(world.art, world.bob, "hi", reply_to=post)
    await s.add_reaction(post, world.carol, "👍")
    await settle(world)
    await s.delete_message(reply)
    await s.remove_reaction(post, world.carol, "👍")
    await settle(world)
    assert await rows(bot) == set()


async def test_other_bots_webhooks_and_demands_earn_nothing(world: World, bot: QuidProNo) -> None:
    s = world.standin
    helper_bot = s.add_member(world.guild, "otherbot", bot=True)
    post = await s.send_message(world.art, world.alice, "art")
    await s.send_message(world.art, helper_bot, "beep", reply_to=post)
    # A demand mentions its target, but demanding is not engaging.
    demand = f"{world.bot_mention} <@{world.alice.id}> follow me back"
    await s.send_message(world.art, world.carol, demand, reply_to=post)
    verdict = await s.wait_for_bot_message(world.art, timeout=5)
    await s.add_reaction(verdict, world.alice, "👍")  # liking the bot's answer is not engaging with a member
    await settle(world)
    assert await rows(bot) == set()


async def test_a_flood_between_two_accounts_earns_one_conversation_turn_each(world: World, bot: QuidProNo) -> None:
    s = world.standin
    for turn in range(40):
        await s.send_message(world.general, world.alice if turn % 2 == 0 else world.bob, "spam")
    await settle(world)
    kinds = [(actor, kind) for actor, _target, kind, _source in await rows(bot)]
    assert sorted(kinds) == sorted([(world.bob.id, "conversation"), (world.alice.id, "conversation")])
