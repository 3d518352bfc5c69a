"""The batched write path: nothing lost on a failed flush, memory bounded during an outage."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.core.model import Interaction, PostRef
from bot.storage import EventBatcher, Store
from tests.factories import interaction


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


async def test_an_outage_cannot_exhaust_memory(store: Store) -> None:
    batcher = EventBatcher(store, batch_size=10, interval=60, max_pending=25)
    batcher.extend([interaction(1, 2, source=i) for i in range(40)])
    assert batcher.pending == 25 and batcher.dropped == 15
    await batcher.close()
    assert await store.event_count() == 25  # the newest 25
