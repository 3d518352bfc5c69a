"""Bug 10.7: the backfill waits as long as Discord says, and its tries are discord.py's, not piled on them."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapter import backfill
from bot.adapter.app import QuidProNo
from standin import Member, Permissions
from tests.e2e.conftest import World, inprocess_bot
from tests.e2e.test_backfill_controls import seed

TOLD = 0.25  # seconds Discord asks the bot to wait
LIBRARY_TRIES = 5  # discord.py's tries of one request


@pytest.fixture
async def bot(world: World, tmp_path: Path) -> AsyncIterator[QuidProNo]:
    seed(world, world.art, 150)  # two pages
    async with inprocess_bot(world, tmp_path, backfill={"progress_seconds": 0.2}) as client:
        yield client


@pytest.fixture
async def mod(world: World) -> Member:
    return world.standin.add_member(world.guild, "mod", permissions=Permissions.MANAGE_GUILD)


async def test_a_backfill_rate_limited_on_every_try_stops_after_the_librarys_tries(
        world: World, bot: QuidProNo, mod: Member) -> None:
    s = world.standin
    mark = s.mark()
    s.inject_ratelimit("GET", rf"/channels/{world.art.id}/messages", retry_after=TOLD, times=None)
    handle = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
    await handle.wait_response()
    # Before the fix the backfill piled 6 tries of its own on discord.py's 5, waiting 2, 4, 8… s instead of
    # what Discord said: 30 requests over a minute, and the moderator told nothing meanwhile.
    text = await handle.wait_content(lambda content: "kept asking to slow down" in content, timeout=15)
    assert "resumes from where it stopped" in text
    reads = s.requests.filter("GET", rf"/channels/{world.art.id}/messages", since=mark)
    assert len(reads) == LIBRARY_TRIES
    gaps = [later.received_at - earlier.received_at for earlier, later in itertools.pairwise(reads)]
    assert all(gap >= TOLD * 0.95 for gap in gaps), gaps  # each wait as long as Discord said


async def test_a_global_429_is_waited_out_as_told_then_the_backfill_goes_on(
        world: World, bot: QuidProNo, mod: Member) -> None:
    s = world.standin
    mark = s.mark()
    told = 1.0
    limit = s.inject_ratelimit("GET", rf"/channels/{world.art.id}/messages", retry_after=told, global_=True)
    handle = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
    await handle.wait_response()
    await handle.wait_content(lambda content: "Backfill finished" in content, timeout=15)
    assert len(limit.hits) == 1
    reads = s.requests.filter("GET", rf"/channels/{world.art.id}/messages", since=mark)
    assert len(reads) == 1 + 2  # the 429, then the two pages: no extra try
    # While a global limit runs, the bot sends Discord nothing through its REST client.
    after = [r for r in s.requests.filter(since=mark) if r.seq > reads[0].seq and r.path.startswith("/channels/")]
    assert after and after[0].received_at - reads[0].received_at >= told * 0.95


class _LimitedOnce:
    """A channel whose first history read is refused with RateLimited, as a client capping its waits raises it."""

    id = 1

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        self.reads: list[float] = []
        self.asked = asyncio.Event()

    def history(self, **_: Any) -> AsyncIterator[discord.Message]:
        self.reads.append(time.monotonic())
        self.asked.set()
        return self._pages(len(self.reads) == 1)

    async def _pages(self, refuse: bool) -> AsyncIterator[discord.Message]:
        if refuse:
            raise discord.RateLimited(self.retry_after)
        for _ in ():
            yield _


async def test_rate_limited_is_waited_out_exactly_as_told() -> None:
    channel = _LimitedOnce(0.3)
    assert await backfill.history_page(channel, cancel=asyncio.Event()) == []  # type: ignore[arg-type]
    assert len(channel.reads) == 2 and channel.reads[1] - channel.reads[0] >= 0.3 * 0.95


async def test_cancel_ends_a_long_rate_limited_wait() -> None:
    channel, cancel = _LimitedOnce(600), asyncio.Event()
    waiting = asyncio.create_task(backfill.history_page(channel, cancel=cancel))  # type: ignore[arg-type]
    await channel.asked.wait()
    cancel.set()
    with pytest.raises(backfill.WaitCancelled):
        await asyncio.wait_for(waiting, 5)
    assert len(channel.reads) == 1
