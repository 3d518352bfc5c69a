"""Catch-up after a gap, the pure parts: which channels to read and from where, who handles a message
(catch-up or live delivery, never both), and the counts it reports. No discord, no I/O.

After a new session (a session that could not be resumed, a restart, kill -9) the gateway does not replay
what was said meanwhile. Discord still tells each channel's newest message id, and the bot knows the last
message it recorded there; history between the two is read oldest first, as live delivery would have
handed it over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.backfill import snowflake_at


@dataclass(frozen=True, slots=True)
class ChannelState:
    channel_id: int
    newest_id: int | None  # Discord's last message id for the channel (None: no message yet)
    recorded_id: int | None  # the last message the bot recorded there (None: nothing)
    unfinished: bool = False  # an earlier catch-up ran out of budget here: recorded_id is where it got to


@dataclass(frozen=True, slots=True)
class Reading:
    channel_id: int
    after_id: int  # read history after this message id


def plan(channels: Iterable[ChannelState], guild_recorded: int | None, since: datetime) -> list[Reading]:
    """Channels with a message since `since` and something newer than the bot recorded: those an earlier catch-up
    left unfinished first (so a tight budget cannot starve them), then by newest activity.

    Nothing older than `since` is read. A channel with nothing recorded starts after the guild's last
    recorded message (the bot was listening until then); in a guild with nothing recorded at all the bot never
    listened, so there is no gap to fill (that is what a backfill is for).
    """
    floor = snowflake_at(since)
    readings = []
    for channel in sorted(channels, key=lambda c: (c.unfinished, c.newest_id or 0), reverse=True):
        start = channel.recorded_id if channel.recorded_id is not None else guild_recorded
        if channel.newest_id is None or channel.newest_id < floor or start is None or channel.newest_id <= start:
            continue
        readings.append(Reading(channel.channel_id, max(start, floor - 1)))
    return readings


def is_fresh(created_at: datetime, now: datetime, answer_within_minutes: float) -> bool:
    """A demand still worth answering: the member may still be waiting for it."""
    return now - created_at <= timedelta(minutes=answer_within_minutes)


class Handover:
    """Per channel, where live delivery took over from catch-up, so no message is handled by both.

    Live delivery of a new session starts at some message; everything older was said during the gap. Both sides
    ask before handling a message, without awaiting in between, so whichever sees it first keeps it.
    """

    def __init__(self) -> None:
        self._live_from: dict[int, dict[int, int]] = {}  # guild -> channel -> first message delivered live
        self._caught_up: dict[int, dict[int, int]] = {}  # guild -> channel -> newest message caught up

    def new_session(self, guild_ids: Iterable[int]) -> None:
        """A new gateway session began for these guilds: what live delivery saw before belongs to the old one."""
        for guild_id in guild_ids:
            self._live_from.pop(guild_id, None)
            self._caught_up.pop(guild_id, None)

    def live(self, guild_id: int, channel_id: int, message_id: int) -> bool:
        """Whether live delivery handles this message (False: catch-up already did)."""
        if message_id <= self._caught_up.get(guild_id, {}).get(channel_id, 0):
            return False
        self._live_from.setdefault(guild_id, {}).setdefault(channel_id, message_id)
        return True

    def live_started(self, guild_id: int, channel_id: int) -> bool:
        return channel_id in self._live_from.get(guild_id, {})

    def caught_up(self, guild_id: int, channel_id: int, message_id: int) -> bool:
        """Whether catch-up handles this message (False: live delivery has reached it; stop reading)."""
        live_from = self._live_from.get(guild_id, {}).get(channel_id)
        if live_from is not None and message_id >= live_from:
            return False
        channels = self._caught_up.setdefault(guild_id, {})
        channels[channel_id] = max(channels.get(channel_id, 0), message_id)
        return True


class Budget:
    """REST requests a catch-up may still make."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.used = 0

    def take(self, count: int = 1) -> bool:
        if self.left < count:
            return False
        self.left -= count
        self.used += count
        return True


@dataclass(slots=True)
class Report:
    """What one catch-up did: the figures of its log line."""

    guilds: int = 0
    channels: int = 0
    messages: int = 0
    interactions: int = 0
    answered: int = 0  # demands answered (each target of a message counts once)
    silent: int = 0  # demands too old to answer: verdict recorded, no reply
    requests: int = 0
    cut: int = 0  # channels left unfinished because the REST budget ran out
    resent: int = 0  # replies recorded as due but not known to be sent (the process stopped first), sent now

    def fields(self) -> str:
        return (f"guilds={self.guilds} channels={self.channels} messages={self.messages} "
                f"interactions={self.interactions} demands_answered={self.answered} demands_silent={self.silent} "
                f"requests={self.requests} channels_cut={self.cut} replies_resent={self.resent}")

