"""Discord snowflakes: ``(ms since 2015-01-01) << 22 | worker << 17 | process << 12 | increment``."""

from __future__ import annotations

import datetime as dt

DISCORD_EPOCH_MS = 1_420_070_400_000
_INCREMENT_BITS = 12
_WORKER = 1
_PROCESS = 0


def snowflake_time(snowflake: int) -> dt.datetime:
    """The UTC creation time encoded in a snowflake (what ``discord.utils.snowflake_time`` computes)."""
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def _ms(when: dt.datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware (use datetime.UTC)")
    return int(when.timestamp() * 1000)


class SnowflakeGenerator:
    """Issues unique ids.

    ``next()`` ids are strictly increasing across every id this generator has issued, and encode the
    current time (or, when ids were issued faster than a millisecond or for a later explicit time, the
    smallest time that keeps them increasing). ``at(when)`` ids encode ``when`` exactly; they are
    unique but, being in the past, need not exceed ids issued earlier.
    """

    def __init__(self) -> None:
        self._last = 0
        self._issued: set[int] = set()

    def next(self) -> int:
        now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        candidate = self._compose(now_ms, 0)
        value = max(candidate, self._last + 1)
        while value in self._issued:
            value += 1
        self._remember(value)
        return value

    def routed(self, shard_id: int, shard_count: int) -> int:
        """A ``next()`` id whose millisecond routes it to ``shard_id``: ``(id >> 22) % shard_count``."""
        value = self.next()
        while (value >> 22) % shard_count != shard_id:
            value = ((value >> 22) + 1) << 22 | (_WORKER << 17) | (_PROCESS << _INCREMENT_BITS)
        self._remember(value)
        return value

    def at(self, when: dt.datetime) -> int:
        ms = _ms(when)
        if ms < DISCORD_EPOCH_MS:
            raise ValueError("Discord snowflakes cannot predate 2015-01-01")
        for increment in range(1 << _INCREMENT_BITS):
            value = self._compose(ms, increment)
            if value not in self._issued:
                self._remember(value)
                return value
        raise RuntimeError(f"more than 4096 ids requested for the millisecond {when.isoformat()}")

    def _compose(self, ms: int, increment: int) -> int:
        return ((ms - DISCORD_EPOCH_MS) << 22) | (_WORKER << 17) | (_PROCESS << _INCREMENT_BITS) | increment

    def _remember(self, value: int) -> None:
        self._issued.add(value)
        self._last = max(self._last, value)
