"""Sharding as Discord does it: guild routing, IDENTIFY checks, the session start budget, pacing records.

A guild's events reach exactly one shard, ``(guild_id >> 22) % shard_count``; DMs reach shard 0. A
session identified without ``shard`` is shard ``[0, 1]``. ``/gateway/bot`` recommends ``shard_count``
and says how many IDENTIFYs may start together (``max_concurrency``: one per bucket
``shard_id % max_concurrency`` every ``identify_spacing`` seconds) and how many are left today.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .constants import CloseCode

JSON = dict[str, Any]
DAY_MS = 86_400_000


def shard_for(guild_id: int, shard_count: int) -> int:
    """Discord's routing: the shard that receives a guild's events."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class Identify:
    """One accepted IDENTIFY: when (loop time, seconds), which shard, of how many."""

    at: float
    shard_id: int
    shard_count: int


@dataclass(slots=True)
class Sharding:
    #: What ``/gateway/bot`` recommends; a client may run more shards, not fewer than the guilds need.
    shard_count: int = 1
    max_concurrency: int = 1
    #: Discord refuses (4011) a shard that would carry more guilds than this.
    max_guilds_per_shard: int = 2500
    #: Discord's spacing between two IDENTIFYs of one bucket.
    identify_spacing: float = 5.0
    daily_identify_limit: int = 1000
    identifies: list[Identify] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return max(0, self.daily_identify_limit - len(self.identifies))

    def gateway_bot(self, url: str) -> JSON:
        return {
            "url": url,
            "shards": self.shard_count,
            "session_start_limit": {
                "total": self.daily_identify_limit,
                "remaining": self.remaining,
                "reset_after": DAY_MS,
                "max_concurrency": self.max_concurrency,
            },
        }

    def refusal(self, shard: object, guild_ids: Iterable[int]) -> tuple[CloseCode, str] | None:
        """Why an IDENTIFY with this ``shard`` field is refused (close code, reason), or None."""
        if self.remaining == 0:
            return CloseCode.RATE_LIMITED, "daily IDENTIFY budget spent"
        parsed = parse_shard(shard)
        if parsed is None:
            return CloseCode.INVALID_SHARD, "shard must be [shard_id, shard_count] with 0 <= shard_id < shard_count"
        shard_id, count = parsed
        carried = sum(1 for guild_id in guild_ids if shard_for(guild_id, count) == shard_id)
        if carried > self.max_guilds_per_shard:
            return CloseCode.SHARDING_REQUIRED, f"shard {shard_id}/{count} would carry {carried} guilds"
        return None

    def record(self, at: float, shard: object) -> Identify:
        shard_id, count = parse_shard(shard) or (0, 1)
        identify = Identify(at, shard_id, count)
        self.identifies.append(identify)
        return identify

    def too_close(self) -> list[tuple[Identify, Identify]]:
        """Pairs of IDENTIFYs in one bucket that came closer together than ``identify_spacing``."""
        last: dict[int, Identify] = {}
        found = []
        for identify in sorted(self.identifies, key=lambda i: i.at):
            bucket = identify.shard_id % self.max_concurrency
            previous = last.get(bucket)
            if previous is not None and identify.at - previous.at < self.identify_spacing:
                found.append((previous, identify))
            last[bucket] = identify
        return found


def parse_shard(shard: object) -> tuple[int, int] | None:
    """``[id, count]`` as sent in IDENTIFY (absent: ``[0, 1]``); None when malformed or out of range."""
    if shard is None:
        return 0, 1
    if not isinstance(shard, list | tuple) or len(shard) != 2:
        return None
    shard_id, count = shard
    if not (isinstance(shard_id, int) and isinstance(count, int)) or not 0 <= shard_id < count:
        return None
    return shard_id, count
