"""How often the bot may say something to one member: at most once per key per interval."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta

from cachetools import LRUCache


class Allowance:
    """One answer per key per `every`; the `size` most recent keys are remembered, older ones forgotten
    (a forgotten key is one whose interval has long passed under any realistic flood)."""

    def __init__(self, every: timedelta, size: int = 100_000) -> None:
        self.every = every
        self._last: LRUCache[Hashable, datetime] = LRUCache(maxsize=size)

    def take(self, key: Hashable, now: datetime) -> bool:
        last = self._last.get(key)
        if last is not None and now - last < self.every:
            return False
        self._last[key] = now
        return True
