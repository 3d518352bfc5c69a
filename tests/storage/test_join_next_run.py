"""Settings-version reads asked for together share one query, never one older than the asking."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage._joined import JoinNextRun


class Source:
    """A stored value; a read takes it when it starts, then waits for the gate (a slow query)."""

    def __init__(self) -> None:
        self.value = 1
        self.reads = 0
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.fail = False

    async def read(self, key: str) -> tuple[str, int]:
        self.reads += 1
        value = self.value
        self.started.set()
        await self.gate.wait()
        if self.fail:
            raise ConnectionError("database away")
        return key, value


async def test_callers_asking_together_share_one_read() -> None:
    source = Source()
    reads = JoinNextRun(source.read)
    source.gate.set()
    results = await asyncio.gather(*(reads("guild") for _ in range(50)), reads("other"))
    assert results == [("guild", 1)] * 50 + [("other", 1)]
    assert source.reads == 2  # one per key


async def test_a_caller_never_gets_a_read_started_before_it_asked() -> None:
    source = Source()
    reads = JoinNextRun(source.read)
    first = asyncio.create_task(reads("guild"))
    await source.started.wait()  # the first read has taken the old value
    source.value = 2  # a change committed before the next caller asks
    second = asyncio.create_task(reads("guild"))
    source.gate.set()
    assert await first == ("guild", 1)
    assert await second == ("guild", 2)
    assert source.reads == 2


async def test_a_failed_read_fails_its_callers_and_the_next_reads_again() -> None:
    source = Source()
    reads = JoinNextRun(source.read)
    source.fail = True
    source.gate.set()
    results = await asyncio.gather(reads("guild"), reads("guild"), return_exceptions=True)
    assert all(isinstance(result, ConnectionError) for result in results)
    source.fail = False
    assert await reads("guild") == ("guild", 1)


async def test_a_cancelled_caller_leaves_the_others_their_answer() -> None:
    source = Source()
    reads = JoinNextRun(source.read)
    leaving, staying = asyncio.create_task(reads("guild")), asyncio.create_task(reads("guild"))
    await source.started.wait()
    leaving.cancel()
    source.gate.set()
    assert await staying == ("guild", 1)
    with pytest.raises(asyncio.CancelledError):
        await leaving
