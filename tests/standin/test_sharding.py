"""Shards in the stand-in: Discord's routing, /gateway/bot, IDENTIFY checks and its daily budget."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import discord
import pytest

from standin.constants import CloseCode, Op
from standin.harness import running_client
from standin.server import StandIn
from standin.sharding import Identify, Sharding, parse_shard, shard_for


class QuickClient(discord.AutoShardedClient):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s between shards: these tests are not about pacing."""


def sharded_client(**options: Any) -> discord.AutoShardedClient:
    intents = discord.Intents.default()
    intents.message_content = True
    return QuickClient(intents=intents, guild_ready_timeout=0.1, **options)


async def test_routing_is_discords_formula() -> None:
    assert shard_for(175928847299117063, 4) == (175928847299117063 >> 22) % 4
    standin = StandIn(shards=4)
    guilds = [standin.add_guild(f"g{i}", shard=i % 4) for i in range(8)]
    assert [standin.shard_of(g) for g in guilds] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert len({g.id for g in guilds}) == 8


def test_shard_field_is_checked() -> None:
    assert parse_shard(None) == (0, 1)
    assert parse_shard([1, 2]) == (1, 2)
    for bad in ([2, 2], [-1, 2], [0], "0,1", [0, "2"]):
        assert parse_shard(bad) is None, bad


def test_identifies_closer_than_the_spacing_in_one_bucket_are_found() -> None:
    sharding = Sharding(shard_count=4, max_concurrency=2, identify_spacing=5.0)
    sharding.identifies += [Identify(0.0, 0, 4), Identify(0.1, 1, 4), Identify(5.0, 2, 4), Identify(9.0, 3, 4)]
    assert sharding.too_close() == []  # buckets 0: 0.0 then 5.0; 1: 0.1 then 9.0
    sharding.identifies.append(Identify(6.0, 0, 4))
    assert sharding.too_close() == [(Identify(5.0, 2, 4), Identify(6.0, 0, 4))]


async def test_each_guild_reaches_only_its_shard() -> None:
    async with StandIn(shards=2) as standin:
        guilds = [standin.add_guild(f"g{i}", shard=i % 2) for i in range(4)]
        channels = [standin.add_channel(g, "general") for g in guilds]
        alice = standin.add_user("alice")
        for guild in guilds:
            standin.add_member(guild, alice)
        client = sharded_client()
        seen: asyncio.Queue[discord.Message] = asyncio.Queue()
        @client.event
        async def on_message(message: discord.Message) -> None:
            await seen.put(message)

        async with running_client(standin, client):
            await standin.wait_for_shards(timeout=10)
            assert client.shard_count == 2  # learnt from /gateway/bot
            assert {g.id for g in client.guilds} == {g.id for g in guilds}
            for seen_guild in client.guilds:
                assert seen_guild.shard_id == (seen_guild.id >> 22) % 2
            for channel in channels:
                await standin.send_message(channel, alice, "hello")
                message = await asyncio.wait_for(seen.get(), 5)
                assert message.channel.id == channel.id
        frames = {c.session.shard_id: [f for f in c.sent if f.get("t") == "MESSAGE_CREATE"]
                  for c in standin.connections if c.session is not None}
        for shard_id, sent in frames.items():
            assert {int(f["d"]["guild_id"]) for f in sent} == {g.id for g in guilds if standin.shard_of(g) == shard_id}
        assert standin.sharding.remaining == 1000 - 2


async def test_session_start_limit_counts_identifies() -> None:
    async with StandIn(shards=3, max_concurrency=2) as standin:
        standin.add_guild("g")
        client = sharded_client(shard_count=3)
        async with running_client(standin, client):
            await standin.wait_for_shards(timeout=10)
            limits = await client.fetch_session_start_limits()
        assert (limits.total, limits.remaining, limits.max_concurrency) == (1000, 997, 2)
        assert sorted(i.shard_id for i in standin.sharding.identifies) == [0, 1, 2]


async def _identify(standin: StandIn, shard: object) -> int | None:
    """IDENTIFY on a raw websocket; the close code the stand-in answers with (None: it accepted)."""
    payload = {"token": standin.token, "intents": 1, "properties": {}, "shard": shard}
    async with aiohttp.ClientSession() as session, session.ws_connect(standin.gateway_url) as ws:
        await ws.receive_json()  # HELLO
        await ws.send_str(json.dumps({"op": Op.IDENTIFY, "d": payload}))
        message = await ws.receive(timeout=5)
        return ws.close_code if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED) else None


@pytest.mark.parametrize(("shard", "code"), [([2, 2], CloseCode.INVALID_SHARD), ("x", CloseCode.INVALID_SHARD),
                                             ([0, 1], CloseCode.SHARDING_REQUIRED), ([0, 2], None)])
async def test_wrongly_sized_shards_are_refused(shard: object, code: int | None) -> None:
    async with StandIn(shards=2) as standin:
        standin.sharding.max_guilds_per_shard = 2
        for i in range(4):
            standin.add_guild(f"g{i}", shard=i % 2)
        assert await _identify(standin, shard) == code
        assert len(standin.sharding.identifies) == (1 if code is None else 0)


async def test_spent_budget_refuses_identify() -> None:
    async with StandIn() as standin:
        standin.sharding.daily_identify_limit = 1
        assert await _identify(standin, [0, 1]) is None
        assert await _identify(standin, [0, 1]) == CloseCode.RATE_LIMITED
