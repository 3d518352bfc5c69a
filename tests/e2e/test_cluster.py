"""Two `quidprono run` processes x two shards on PostgreSQL: each guild answered once, by its shard's process."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.storage import make_engine
from bot.storage.models import Demand, Post
from standin import Message, StandIn
from tests.e2e.cluster import (
    SPACING,
    Node,
    Place,
    build_places,
    demand,
    fresh_database,
    replies_to,
    wait_for_reply,
    wait_until,
)

COMMANDS_PUT = re.compile(r"/applications/\d+/commands$")


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[str]:
    async with fresh_database(postgres_url) as url:
        yield url


async def demands_per_message(url: str) -> dict[int, int]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(Demand.message_id, func.count()).group_by(Demand.message_id))
            return {int(message_id): count for message_id, count in rows.all() if message_id is not None}
    finally:
        await engine.dispose()


async def posts_of(url: str, messages: list[Message]) -> set[int]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            ids = [message.id for message in messages]
            rows = await connection.execute(select(Post.message_id).where(Post.message_id.in_(ids)))
            return {int(message_id) for message_id in rows.scalars()}
    finally:
        await engine.dispose()


def guild_answered_by(node: Node, place: Place) -> bool:
    return f"event=demand_answered guild_id={place.guild.id} " in node.log()


async def test_two_processes_two_shards_each(tmp_path: Path, database: str) -> None:
    async with StandIn(shards=4, max_concurrency=2) as standin:
        standin.sharding.identify_spacing = SPACING
        places = build_places(standin, 8)
        nodes = [Node(standin, tmp_path, database, f"node{index}",
                      {"QUIDPRONO_SHARD_COUNT": "4", "QUIDPRONO_CLUSTER": f"{index}/2"}) for index in range(2)]
        try:
            await asyncio.gather(*(node.launch() for node in nodes))  # both migrate and sync at once
            await standin.wait_for_shards({0, 1, 2, 3}, timeout=90)
            for node in nodes:
                await node.wait_for_log("event=ready ")
                await node.wait_for_log(r"event=sweep(_skipped)? ")

            sent = [await demand(standin, place) for place in places]
            for place, message in zip(places, sent, strict=True):
                await wait_for_reply(standin, place, message)
            assert [len(replies_to(standin, m)) for m in sent] == [1] * 8
            assert await demands_per_message(database) == {m.id: 1 for m in sent}
            for place in places:  # by the process that runs the guild's shard, and only by it
                owner = nodes[standin.shard_of(place.guild) // 2]
                assert guild_answered_by(owner, place)
                assert not guild_answered_by(nodes[1 - nodes.index(owner)], place)

            # Migrations once, commands synced once, the sweep run by one process.
            assert sorted(node.count(r"event=migrated revisions=\S*0005_scale_out") for node in nodes) == [0, 1]
            puts = [r for r in standin.requests.requests if r.method == "PUT" and COMMANDS_PUT.search(r.path)]
            assert len(puts) == 1
            assert sorted(node.count("event=commands_synced ") for node in nodes) == [0, 1]
            assert sorted(node.count("event=commands_unchanged ") for node in nodes) == [0, 1]
            assert sorted(node.count("event=sweep ") for node in nodes) == [0, 1]
            assert sorted(node.count("event=sweep_skipped ") for node in nodes) == [0, 1]

            # IDENTIFYs: one per shard, one bucket's never closer than the spacing, across both processes.
            assert sorted(i.shard_id for i in standin.sharding.identifies) == [0, 1, 2, 3]
            assert standin.sharding.too_close() == []

            await _kill_one_and_restart(standin, places, nodes)
            for node in nodes:
                assert "level=ERROR" not in node.log(), node.log()[-3000:]
        finally:
            for node in nodes:
                await node.ensure_stopped()


async def _kill_one_and_restart(standin: StandIn, places: list[Place], nodes: list[Node]) -> None:
    """kill -9 of the process with shards 2 and 3: only their guilds pause; after a restart they are answered, and
    catch-up records what was said meanwhile and answers the demands made meanwhile (fresh), once each."""
    victim = nodes[1]
    await victim.kill()
    await wait_until(lambda: standin.gateway.ready_shards() == {0, 1}, "shards 2 and 3 disconnected")
    paused = [p for p in places if standin.shard_of(p.guild) >= 2]
    running = [p for p in places if standin.shard_of(p.guild) < 2]
    unanswered = [await demand(standin, place) for place in paused]
    meanwhile = [await standin.send_message(p.general, p.alice, "still here", reply_to=m)
                 for p, m in zip(paused, unanswered, strict=True)]
    answered = [await demand(standin, place) for place in running]
    for place, message in zip(running, answered, strict=True):
        await wait_for_reply(standin, place, message)
    # Sent before the answered ones, and still without an answer: those guilds are paused.
    assert [len(replies_to(standin, m)) for m in unanswered] == [0] * len(paused)

    catchups_before = victim.count(r"event=catchup ")
    await victim.launch()
    await standin.wait_for_shards({2, 3}, timeout=60)
    await victim.wait_for_log("event=ready ", times=2)
    await victim.wait_for_log(r"event=catchup ", times=catchups_before + 2)  # one line per shard on this start
    assert victim.count(r"event=catchup .* demands_answered=2 ") == 2  # each shard: its 2 paused guilds
    assert [len(replies_to(standin, m)) for m in unanswered] == [1] * len(paused)
    assert await posts_of(victim.database_url, meanwhile) == {m.id for m in meanwhile}
    after: list[Message] = [await demand(standin, place) for place in paused]
    for place, message in zip(paused, after, strict=True):
        await wait_for_reply(standin, place, message)
    assert [len(replies_to(standin, m)) for m in after] == [1] * len(paused)


async def test_zero_downtime_handover(tmp_path: Path, database: str) -> None:
    """A new process on the same shards starts before the old one stops: no demand lost, none answered twice."""
    async with StandIn(shards=2) as standin:
        standin.sharding.identify_spacing = SPACING
        places = build_places(standin, 4)
        old, new = (Node(standin, tmp_path, database, name, {"QUIDPRONO_SHARD_COUNT": "2"}) for name in ("old", "new"))
        sent: list[tuple[Place, Message]] = []
        streaming = True

        async def stream() -> None:
            while streaming:
                place = places[len(sent) % len(places)]
                sent.append((place, await demand(standin, place)))
                await asyncio.sleep(0.25)

        try:
            await old.launch()
            await standin.wait_for_shards(timeout=60)
            await old.wait_for_log("event=ready ")
            streamer = asyncio.create_task(stream())
            await new.launch()
            await wait_until(lambda: _sessions_per_shard(standin) == {0: 2, 1: 2}, "both processes on both shards")
            await new.wait_for_log("event=ready ")
            overlap_from = len(sent)
            await wait_until(lambda: len(sent) >= overlap_from + 6, "demands while both run")
            assert await old.stop() == 0
            stopped_at = len(sent)
            await wait_until(lambda: len(sent) >= stopped_at + 6, "demands after the old process stopped")
            streaming = False
            await streamer

            for index, (place, message) in enumerate(sent):
                try:
                    await wait_for_reply(standin, place, message)
                except TimeoutError:
                    pytest.fail(f"demand {index} of {len(sent)} (overlap {overlap_from}-{stopped_at}) unanswered;"
                                f" old log tail:\n{old.log()[-2500:]}\nnew log tail:\n{new.log()[-2500:]}")
            assert [len(replies_to(standin, m)) for _, m in sent] == [1] * len(sent)
            assert await demands_per_message(database) == {m.id: 1 for _, m in sent}
            # Both saw the demands sent while they overlapped; the one that lost each claim stayed silent.
            assert old.count("event=demand_already_answered ") + new.count("event=demand_already_answered ") >= 1
        finally:
            streaming = False
            for node in (old, new):
                await node.ensure_stopped()


def _sessions_per_shard(standin: StandIn) -> dict[int, int]:
    ready = [c.session.shard_id for c in standin.connections if c.is_open and c.ready.is_set() and c.session]
    return {shard: ready.count(shard) for shard in set(ready)}
