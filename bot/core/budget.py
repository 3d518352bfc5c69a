"""How often the bot may say something to one member: at most once per key per interval."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime, timedelta


class Allowance:
    """One answer per key per `every`; the `size` most recent keys are remembered, older ones forgotten
    (a forgotten key is one whose interval has long passed under any realistic flood)."""

    def __init__(self, every: timedelta, size: int = 100_000) -> None:
        self.every = every
        self._size = size
        self._last: OrderedDict[Hashable, datetime] = OrderedDict()

    def take(self, key: Hashable, now: datetime) -> bool:
        last = self._last.get(key)
        if last is not None and now - last < self.every:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self._size:
            self._last.popitem(last=False)
        return True
