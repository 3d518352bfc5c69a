"""Backfill, the pure parts: cutting history into independent stretches, and progress. No discord, no I/O.

Discord pages a channel's history newest first (`before=`), but conversation turns depend on the order
messages were written. A silence longer than the conversation gap resets everything the
`ConversationTracker` remembers about a channel (no turn can reach across it, and every credited pair
has expired), so the stretch of messages after such a silence can be replayed oldest first, on its own,
with a fresh tracker, and give exactly what live ingestion gave. The cursor then moves to the oldest
message of that stretch: a restart resumes at a point where nothing earlier matters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.ingest import ConversationTracker, MessageFacts, records_of
from bot.core.model import Interaction, PostRef

DISCORD_EPOCH_MS = 1_420_070_400_000
# A channel that never falls silent for a whole gap is cut anyway after this many messages, bounding
# memory; at such a forced cut at most one conversation turn can differ from live ingestion.
MAX_STRETCH = 20_000


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def snowflake_at(moment: datetime) -> int:
    """The smallest snowflake of `moment`: messages with larger ids were written at or after it."""
    return max(int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS, 0) << 22


class Stretches:
    """Takes a channel's messages newest first; hands back stretches, oldest first, that start after a silence."""

    def __init__(self, gap: timedelta, max_stretch: int = MAX_STRETCH) -> None:
        self._gap = gap
        self._max = max_stretch
        self._held: list[MessageFacts] = []  # newest first

    def push(self, facts: MessageFacts) -> list[MessageFacts] | None:
        """Add the next older message; a completed stretch (everything newer than it) when it ends one."""
        completed = None
        if self._held and (self._held[-1].created_at - facts.created_at > self._gap or len(self._held) >= self._max):
            completed = self._take()
        self._held.append(facts)
        return completed

    def finish(self) -> list[MessageFacts]:
        """The window's start was reached: its oldest message had no predecessor the bot should count."""
        return self._take()

    @property
    def held(self) -> int:
        return len(self._held)

    def _take(self) -> list[MessageFacts]:
        stretch, self._held = self._held[::-1], []
        return stretch


def replay(stretch: Sequence[MessageFacts], gap: timedelta) -> list[Interaction | PostRef]:
    """What live ingestion records for these messages (the post, its interactions, conversation turns),
    seen in this order from a standing start."""
    tracker = ConversationTracker(gap)
    return [record for facts in stretch for record in records_of(facts, tracker)]


@dataclass(frozen=True, slots=True)
class ChannelProgress:
    done: bool
    oldest_read: datetime | None  # the oldest message handled so far; None before the first page


@dataclass(frozen=True, slots=True)
class Progress:
    channels: Sequence[ChannelProgress]
    messages_read: int
    since: datetime  # the window's start
    until: datetime  # when the backfill started: the newest history it reads

    @property
    def channels_done(self) -> int:
        return sum(channel.done for channel in self.channels)

    def fraction(self) -> float:
        """How much of the window is read, averaged over channels, judged by the time reached in each."""
        if not self.channels:
            return 1.0
        span = max((self.until - self.since).total_seconds(), 1.0)

        def of(channel: ChannelProgress) -> float:
            if channel.done:
                return 1.0
            if channel.oldest_read is None:
                return 0.0
            return min(max((self.until - channel.oldest_read).total_seconds() / span, 0.0), 1.0)

        return sum(of(channel) for channel in self.channels) / len(self.channels)


def seconds_left(progress: Progress, elapsed_seconds: float) -> float | None:
    """Time left at the pace so far; None until there is a pace to go by."""
    fraction = progress.fraction()
    if fraction >= 1.0:
        return 0.0
    if fraction <= 0.01 or elapsed_seconds <= 0:
        return None
    return elapsed_seconds * (1 - fraction) / fraction


def describe(progress: Progress, elapsed_seconds: float, *, state: str = "running") -> str:
    left = seconds_left(progress, elapsed_seconds)
    eta = "estimating time left" if left is None else f"about {_duration(left)} left"
    done = f"{progress.channels_done}/{len(progress.channels)} channels done"
    read = f"{progress.messages_read:,} messages read"
    if state == "running":
        return f"Backfill running: {done}, {read}, {eta} ({progress.fraction():.0%})."
    return f"Backfill {state}: {done}, {read} in {_duration(elapsed_seconds)}."


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
