"""One budget for everything the bot says to a member: demands aimed at the bot spend the daily cap and
the cooldown like any other, and a plain mention gets help at most once an hour."""

from __future__ import annotations

import asyncio
from datetime import datetime

import discord

from bot.adapter.app import QuidProNo
from bot.adapter.events import VerdictGiven
from bot.core.settings import Policy
from standin import Message
from tests.e2e.conftest import World

SPAM = 60


class Counter:
    def __init__(self, bot: QuidProNo, event: str) -> None:
        self.count = 0
        self._changed = asyncio.Event()
        bot.add_listener(self._seen, f"on_{event}")

    async def _seen(self, *_: object) -> None:
        self.count += 1
        self._changed.set()

    async def reach(self, count: int, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while self.count < count:
                self._changed.clear()
                await self._changed.wait()


async def test_bot_aimed_demands_and_plain_mentions_are_capped(world: World, bot: QuidProNo) -> None:
    verdicts, withheld = Counter(bot, "verdict"), Counter(bot, "reply_withheld")
    sent_by_dave = []
    for _ in range(SPAM):  # two members, 120 mentions in a burst, interleaved
        sent_by_dave.append(await world.standin.send_message(world.general, world.dave,
                                                             f"{world.bot_mention} follow me back pls"))
        await world.standin.send_message(world.general, world.carol, f"{world.bot_mention} hello")
    await verdicts.reach(SPAM)  # every demand decided and stored
    await withheld.reach(SPAM - 1)  # every mention but the first handled without a reply

    replies = world.standin.bot_messages(world.general)
    to_dave = [m for m in replies if m.referenced is not None and m.referenced.author.id == world.dave.id]
    to_carol = [m for m in replies if m.referenced is not None and m.referenced.author.id == world.carol.id]
    cap = Policy().daily_demand_cap
    assert len(to_dave) == cap + 1  # the answers within the cap, then "that's enough for today" once
    assert "follow anyone" in to_dave[0].content
    # Decided in the order they were sent: the first demands are the ones answered, whatever the load (a
    # demand overtaking an earlier one made a later demand look under the cap and an earlier one over it).
    assert sorted(m.referenced.id for m in to_dave if m.referenced) == [m.id for m in sent_by_dave[:cap + 1]]
    assert len(to_carol) == 1 and "/about" in to_carol[0].content


async def test_a_members_demands_are_decided_in_the_order_sent(world: World, bot: QuidProNo) -> None:
    """The cap race: the first demand's settings lookup is held up until the bot has received the second
    demand. The second must still wait its turn, so the first gets the verdict and the second the pair's
    cooldown (before: the second overtook it, was judged first, and the first got "asked recently")."""
    received, gate = asyncio.Event(), asyncio.Event()
    version = bot.store.settings_version
    looked_up = 0

    async def held_up_once(guild_id: int) -> datetime | None:
        nonlocal looked_up
        looked_up += 1
        if looked_up == 1:
            await gate.wait()
        return await version(guild_id)

    bot.store.settings_version = held_up_once  # type: ignore[method-assign]
    first = await world.standin.send_message(world.general, world.dave, f"{world.bot_mention} follow me back")

    async def seen(message: object) -> None:
        if getattr(message, "id", first.id) != first.id:  # the second demand (the only other message)
            gate.set()
            received.set()

    bot.add_listener(seen, "on_message")
    second = await world.standin.send_message(world.general, world.dave, f"{world.bot_mention} follow me back")
    await received.wait()
    for demand in (first, second):
        def answers(reply: Message, demand: Message = demand) -> bool:
            return reply.referenced is demand

        await world.standin.wait_for_bot_message(world.general, answers, timeout=30)

    replies = {m.referenced.id: m.content for m in world.standin.bot_messages(world.general) if m.referenced}
    assert "follow anyone" in replies[first.id]
    assert "follow anyone" not in replies[second.id]


async def test_one_members_spam_does_not_delay_anothers_demand(world: World, bot: QuidProNo) -> None:
    """Fair queueing: a member's demands wait behind their own (one turn each), so a demand from someone else
    sent in the middle of a burst of 40 is decided within a few verdicts, not after the whole burst."""
    order: list[int] = []
    decided = asyncio.Event()

    async def seen(verdict: VerdictGiven) -> None:
        order.append(verdict.requester_id)
        if verdict.requester_id == world.carol.id:
            decided.set()

    arrived: list[int] = []  # how many verdicts were given when her demand reached the bot

    async def received(message: discord.Message) -> None:
        if message.author.id == world.carol.id:
            arrived.append(len(order))

    bot.add_listener(seen, "on_verdict")
    bot.add_listener(received, "on_message")
    for _ in range(20):
        await world.standin.send_message(world.general, world.dave, f"{world.bot_mention} follow me back pls")
    await world.standin.send_message(world.general, world.carol, f"{world.bot_mention} <@{world.alice.id}> f4f?")
    for _ in range(20):
        await world.standin.send_message(world.general, world.dave, f"{world.bot_mention} follow me back pls")
    await asyncio.wait_for(decided.wait(), timeout=60)
    # After it arrived, at most the demand of Dave's being decided and the one already waiting for the
    # database ahead of hers are decided first: the rest of his burst waits in his own line.
    assert order.index(world.carol.id) <= arrived[0] + 2, (arrived, order)
