"""One budget for everything the bot says to a member: demands aimed at the bot spend the daily cap and
the cooldown like any other, and a plain mention gets help at most once an hour."""

from __future__ import annotations

import asyncio

from bot.adapter.app import QuidProNo
from bot.core.settings import Policy
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
    for _ in range(SPAM):  # two members, 120 mentions in a burst, interleaved
        await world.standin.send_message(world.general, world.dave, f"{world.bot_mention} follow me back pls")
        await world.standin.send_message(world.general, world.carol, f"{world.bot_mention} hello")
    await verdicts.reach(SPAM)  # every demand decided and stored
    await withheld.reach(SPAM - 1)  # every mention but the first handled without a reply

    replies = world.standin.bot_messages(world.general)
    to_dave = [m for m in replies if m.referenced is not None and m.referenced.author.id == world.dave.id]
    to_carol = [m for m in replies if m.referenced is not None and m.referenced.author.id == world.carol.id]
    cap = Policy().daily_demand_cap
    assert len(to_dave) == cap + 1  # the answers within the cap, then "that's enough for today" once
    assert "follow anyone" in to_dave[0].content
    assert len(to_carol) == 1 and "/about" in to_carol[0].content
