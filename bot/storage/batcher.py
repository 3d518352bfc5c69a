"""The batched write path: interactions collect in memory and are written one transaction a batch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from bot.core.model import Interaction, PostRef
from bot.storage.store import Store

log = logging.getLogger(__name__)


class EventBatcher:
    """Buffers interactions; flushes when `batch_size` are waiting, every `interval` seconds, and on close.

    A failed flush keeps its events and tries again later, so a database hiccup loses nothing. A long
    outage must not exhaust memory: past `max_pending` the oldest events give way, counted and logged.
    """

    def __init__(self, store: Store, batch_size: int, interval: float, max_pending: int = 200_000) -> None:
        self._store = store
        self._max_pending = max(max_pending, batch_size)
        self.dropped = 0
        self._batch_size = batch_size
        self._interval = interval
        self._pending: list[Interaction | PostRef] = []
        self._lock = asyncio.Lock()
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_error: Exception | None = None

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="event-batcher")

    def add(self, event: Interaction | PostRef) -> None:
        self._pending.append(event)
        if len(self._pending) >= self._batch_size:
            self._full.set()
        if len(self._pending) > self._max_pending:
            overflow = len(self._pending) - self._max_pending
            del self._pending[:overflow]
            self.dropped += overflow

    def extend(self, events: Sequence[Interaction | PostRef]) -> None:
        for event in events:
            self.add(event)

    async def flush(self) -> None:
        """Write everything pending now, one transaction a batch."""
        async with self._lock:
            while self._pending:
                batch = self._pending[: self._batch_size]
                await self._store.write_events(batch)
                del self._pending[: len(batch)]

    async def close(self) -> None:
        """Stop the timer and write what is left: called on shutdown, after the last event arrived."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), timeout=self._interval)
            self._full.clear()
            try:
                await self.flush()
            except Exception as error:
                self.last_error = error
                log.exception("event=flush_failed pending=%d dropped_total=%d action=retry_later",
                              len(self._pending), self.dropped)
            else:
                self.last_error = None
