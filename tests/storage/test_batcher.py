"""The batched write path: nothing lost on a failed flush, memory bounded during an outage."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import pytest

from bot.core.model import Interaction, PostRef
from bot.storage import EventBatcher, Store
from tests.factories import GUILD, NOW, interaction


class FlakyStore:
    """Fails the first `failures` writes, then records what it is given."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.written: list[Interaction | PostRef] = []

    async def write_events(self, events: Sequence[Interaction | PostRef]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database unreachable")
        self.written.extend(events)


async def test_a_failed_flush_keeps_everything_for_the_next_one() -> None:
    store = FlakyStore(failures=1)
    batcher = EventBatcher(store, batch_size=2, interval=60)  # type: ignore[arg-type]
    events = [interaction(1, 2, source=i) for i in range(5)]
    batcher.extend(events)
    with pytest.raises(ConnectionError):
        await batcher.flush()
    assert batcher.pending == 5
    await batcher.close()
    assert store.written == events and batcher.pending == 0


async def test_a_guild_flush_writes_that_guild_only_and_keeps_it_on_failure() -> None:
    store = FlakyStore(failures=1)
    batcher = EventBatcher(store, batch_size=2, interval=60)  # type: ignore[arg-type]
    mine = [interaction(1, 2, source=i) for i in range(3)]
    others = [interaction(1, 2, source=10 + i, guild=GUILD + 1) for i in range(2)]
    batcher.extend([mine[0], others[0], mine[1], others[1], mine[2]])
    with pytest.raises(ConnectionError):
        await batcher.flush_guild(GUILD)
    assert batcher.pending == 5  # nothing lost
    await batcher.flush_guild(GUILD)
    assert store.written == mine and batcher.pending == 2  # in order; the other guild waits for the timer
    await batcher.close()
    assert store.written == mine + others


async def test_an_outage_cannot_exhaust_memory(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    batcher = EventBatcher(store, batch_size=10, interval=60, max_pending=25)
    batcher.extend([interaction(1, 2, source=i, days_ago=1 - i / 100) for i in range(40)])
    assert batcher.pending == 25 and batcher.dropped == 15
    await batcher.close()
    assert await store.event_count() == 25  # the newest 25
    # The log says exactly which: the 15 oldest, by guild and kind, their source ids and time span.
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("event=events_dropped ")]
    assert f"guild_id={GUILD} kind=reply count=15 source_ids=0..14 " in line
    first, last = (NOW - timedelta(days=1)), (NOW - timedelta(days=1 - 14 / 100))
    assert f"from={first.isoformat()} to={last.isoformat()}" in line


class GatedStore:
    """Holds every write until the test opens the gate, to add events while a flush is running."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.writing = asyncio.Event()
        self.written: list[Interaction | PostRef] = []

    async def write_events(self, events: Sequence[Interaction | PostRef]) -> None:
        self.writing.set()
        await self.gate.wait()
        self.written.extend(events)


async def test_events_added_during_a_flush_are_never_dropped_from_the_middle() -> None:
    """Bug 10.6: past the bound during a running flush, `add()` trimmed the list the flush was about to
    delete its batch from, so unwritten events vanished from the middle. Only the oldest may give way."""
    store = GatedStore()
    batcher = EventBatcher(store, batch_size=10, interval=60, max_pending=10)  # type: ignore[arg-type]
    events = [interaction(1, 2, source=i) for i in range(15)]
    batcher.extend(events[:10])
    flushing = asyncio.create_task(batcher.flush())
    await store.writing.wait()  # the first ten are being written
    batcher.extend(events[10:])
    store.gate.set()
    await flushing
    await batcher.close()
    assert store.written == events[batcher.dropped:]


async def test_a_row_the_database_refuses_loses_only_itself(store: Store) -> None:
    """One id past the 64-bit range once made every later flush fail; now it is set aside, ids only."""
    batcher = EventBatcher(store, batch_size=50, interval=60)
    good = [interaction(1, 2, source=i) for i in range(40)]
    poisoned = interaction(1, 2**70, source=99)
    batcher.extend([*good[:17], poisoned, *good[17:]])
    await batcher.flush()
    batcher.extend([interaction(3, 4, source=500)])
    await batcher.close()
    assert await store.event_count() == 41 and batcher.pending == 0
    [letter] = await store.dead_letters()
    assert letter.kind == "reply" and letter.ids["target_id"] == str(2**70) and letter.ids["source_id"] == "99"


async def test_past_its_bound_the_outage_queue_logs_exactly_which_demands_it_dropped(
        caplog: pytest.LogCaptureFixture) -> None:
    from sqlalchemy.exc import OperationalError

    store = FlakyStore(failures=0)
    batcher = EventBatcher(store, batch_size=10, interval=60, max_parked=2)  # type: ignore[arg-type]
    done: list[int] = []

    async def unavailable() -> None:
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    for message_id in (11, 12, 13, 14):
        async def later(message_id: int = message_id) -> None:
            done.append(message_id)
        await batcher.unless_outage("message", {"guild_id": 1, "message_id": message_id}, unavailable, later)
    assert batcher.in_outage and len(batcher.parked) == 2 and batcher.problem is not None
    batcher.parked.log_dropped()
    [line] = [r.getMessage() for r in caplog.records if "parked_dropped" in r.getMessage()]
    assert "count=2" in line and "ids=1/11,1/12" in line
    await batcher.close()
    assert done == [13, 14]  # the newest, in order, once the database answers
