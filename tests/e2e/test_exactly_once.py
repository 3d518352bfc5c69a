"""Exactly one answer per demand: replayed dispatches after a RESUME, duplicate dispatches and a second
process sharing the database never make the bot answer twice or store a verdict twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import discord
from sqlalchemy import func, select

from bot.adapter.app import QuidProNo
from bot.core.settings import Settings
from bot.storage import Store, make_engine
from bot.storage.models import Demand
from standin import Message, StandIn
from standin.harness import running_client
from tests.conftest import migrated_sqlite
from tests.e2e.conftest import World

# Every demand gets a verdict of its own: no cap, no cooldown in the way.
UNCAPPED = {"policy": {"daily_demand_cap": 1000, "cooldown_minutes": 0}}


class Skips:
    """Counts the bot's positive signal that it saw a demand already answered and stayed silent."""

    def __init__(self, *bots: QuidProNo) -> None:
        self.seen: list[int] = []
        self._changed = asyncio.Event()
        for bot in bots:
            bot.add_listener(self._skipped, "on_demand_already_answered")

    async def _skipped(self, message_id: int, _target_id: int) -> None:
        self.seen.append(message_id)
        self._changed.set()

    async def wait_for(self, count: int, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.seen) < count:
                self._changed.clear()
                await self._changed.wait()


@contextlib.asynccontextmanager
async def bot_on(standin: StandIn, url: str, **sections: object) -> AsyncIterator[QuidProNo]:
    settings = Settings.model_validate({"discord": {"guild_ready_timeout": 0.1},
                                        "ingest": {"flush_interval_seconds": 0.05}, **UNCAPPED, **sections})
    store = Store(make_engine(url))
    client = QuidProNo(settings, store, shard_count=1)
    try:
        async with running_client(standin, client):
            yield client
    finally:
        await store.close()


async def _demands(world: World, count: int) -> list[Message]:
    sent = []
    for index in range(count):
        requester, target = (world.carol, world.alice) if index % 2 else (world.dave, world.bob)
        sent.append(await world.standin.send_message(
            world.general, requester, f"{world.bot_mention} <@{target.id}> follow me back"))
    return sent


async def _wait_for_replies(world: World, demands: list[Message]) -> None:
    for demand in demands:
        def answers(reply: Message, demand: Message = demand) -> bool:
            return reply.referenced is demand

        await world.standin.wait_for_bot_message(world.general, answers, timeout=15)


async def _stored_per_message(url: str) -> dict[int, int]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(Demand.message_id, func.count()).group_by(Demand.message_id))
            return {message_id: count for message_id, count in rows.all() if message_id is not None}
    finally:
        await engine.dispose()


def _replies_per_demand(world: World) -> dict[int, int]:
    counts: dict[int, int] = {}
    for reply in world.standin.bot_messages(world.general):
        if reply.referenced is not None:
            counts[reply.referenced.id] = counts.get(reply.referenced.id, 0) + 1
    return counts


async def test_dispatches_replayed_after_a_resume_are_answered_once(world: World, tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path, "bot.db")
    async with bot_on(world.standin, url) as bot:
        skips = Skips(bot)
        demands = await _demands(world, 40)
        await _wait_for_replies(world, demands)

        # Discord re-sends everything since well before the 40 demands, as it may after a RESUME.
        await world.standin.reconnect_client(redeliver=500)
        await skips.wait_for(40)

        assert sorted(skips.seen) == sorted(d.id for d in demands)
        assert _replies_per_demand(world) == {d.id: 1 for d in demands}
        assert await _stored_per_message(url) == {d.id: 1 for d in demands}
        assert world.standin.connections[-1].start == "resume"


async def test_a_duplicate_dispatch_and_a_second_process_never_answer_twice(world: World, tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path, "bot.db")
    async with bot_on(world.standin, url) as first, bot_on(world.standin, url) as second:
        skips = Skips(first, second)
        demands = await _demands(world, 10)
        await _wait_for_replies(world, demands)
        await skips.wait_for(10)  # each demand: one process answered, the other saw it answered
        for demand in demands[:3]:
            await world.standin.redispatch(demand)
        await skips.wait_for(10 + 2 * 3)

        assert _replies_per_demand(world) == {d.id: 1 for d in demands}
        assert await _stored_per_message(url) == {d.id: 1 for d in demands}


async def test_a_resent_reply_is_posted_once_with_enforce_nonce(world: World, tmp_path: Path) -> None:
    """Discord's own idempotence: the same nonce (derived from the demand's message) posts nothing new."""
    url = migrated_sqlite(tmp_path, "bot.db")
    async with bot_on(world.standin, url) as bot:
        [demand] = await _demands(world, 1)
        await _wait_for_replies(world, [demand])
        posted = world.standin.requests.filter("POST", rf"/channels/{world.general.id}/messages")[-1]
        assert posted.json["enforce_nonce"] is True and posted.json["nonce"] == f"{demand.id:x}.0"
        channel = bot.get_channel(world.general.id)
        assert isinstance(channel, discord.TextChannel)
        again = await channel.send("the same answer, resent", nonce=posted.json["nonce"])
        [reply] = world.standin.bot_messages(world.general)
        assert again.id == reply.id and reply.content != "the same answer, resent"
