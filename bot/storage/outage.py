"""Work that needs the database, held while it is away: a bounded queue replayed in order when it is back.

The batcher buffers interactions itself; this holds what cannot be written as a row (a demand to decide
and answer, a withdrawal) as a retry the caller supplies. Past the bound the oldest give way, and exactly
which (kind and ids, never text) is logged once per replay round.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.storage.faults import describe, is_outage

log = logging.getLogger(__name__)

Retry = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Parked:
    kind: str
    ids: dict[str, int]
    retry: Retry

    def fields(self) -> str:
        return " ".join([f"kind={self.kind}", *(f"{key}={value}" for key, value in self.ids.items())])


class ParkedWork:
    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.dropped = 0
        self._queue: deque[Parked] = deque()
        self._unlogged: list[Parked] = []

    def __len__(self) -> int:
        return len(self._queue)

    def park(self, kind: str, ids: dict[str, int], retry: Retry) -> None:
        self._queue.append(Parked(kind, ids, retry))
        while len(self._queue) > self.bound:
            self._unlogged.append(self._queue.popleft())
            self.dropped += 1

    async def replay(self) -> None:
        """Oldest first; an outage stops the round with the rest kept. Other failures lose only that item."""
        while self._queue:
            item = self._queue[0]
            try:
                await item.retry()
            except Exception as error:
                if is_outage(error):
                    raise
                log.error("event=parked_failed %s error=%s", item.fields(), describe(error))
            self._queue.popleft()

    def drop_all(self, reason: str = "shutdown") -> None:
        """At shutdown with the database still away: what is lost, logged."""
        self._unlogged.extend(self._queue)
        self.dropped += len(self._queue)
        self._queue.clear()
        self.log_dropped(reason)

    def log_dropped(self, reason: str = "buffer_full") -> None:
        """One line per kind: how many gave way and exactly which (their ids)."""
        kinds = sorted({item.kind for item in self._unlogged})
        for kind in kinds:
            items = [item for item in self._unlogged if item.kind == kind]
            log.error("event=parked_dropped reason=%s bound=%d kind=%s count=%d ids=%s", reason, self.bound, kind,
                      len(items), ",".join("/".join(str(v) for v in item.ids.values()) for item in items))
        self._unlogged.clear()
