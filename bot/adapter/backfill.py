"""The backfill engine: reads channel history inside a window into the interaction history.

Shared by `/quidpro backfill` (the running bot) and `quidprono backfill` (the terminal, REST only). It
records exactly what live ingestion records for the same messages (see `bot.core.backfill` for why the
order works out), writes through the same idempotent path, and saves a cursor per channel after every
stretch it wrote, so a restart resumes where it stopped and nothing is counted twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import discord

from bot.adapter._messages import channel_and_category, facts_from, is_demand
from bot.core.backfill import ChannelProgress, Progress, Stretches, replay, snowflake_time
from bot.core.ingest import MessageFacts
from bot.core.model import AuditAction, Interaction, InteractionKind
from bot.core.scope import in_scope
from bot.core.settings import Settings
from bot.storage import Store
from bot.storage.leases import Holder
from bot.storage.moderation import Cursor, ModerationStore

log = logging.getLogger(__name__)

PAGE = 100  # Discord's largest history page

ProgressCallback = Callable[[Progress, float], Awaitable[None]]


class KeptRateLimited(Exception):
    """Discord answered 429 to every one of discord.py's tries (each waited out as told): stop, resume later."""

    def __str__(self) -> str:
        return ("Discord kept asking to slow down (rate limited on every try, each waited out as it asked), so the"
                " backfill stopped; nothing read is lost. Run it again later: it resumes from where it stopped.")


class WaitCancelled(Exception):
    """Cancel was pressed while waiting for Discord."""


def already_running(holder: Holder) -> str:
    """One backfill per server at a time, wherever it was started: say who runs it and what to do."""
    return (f"A backfill of this server is already running: {holder.describe()}. Only one runs at a time;"
            " run this again once it finishes (it resumes from where that one got to), or Cancel it.")


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime  # oldest history read
    until: datetime  # when the job started: progress is measured from here back to `since`

    def as_detail(self, days: int) -> dict[str, object]:
        return {"days": days, "since": self.since.isoformat(), "until": self.until.isoformat()}

    @classmethod
    def from_detail(cls, detail: dict[str, object]) -> Window:
        return cls(datetime.fromisoformat(str(detail["since"])), datetime.fromisoformat(str(detail["until"])))


@dataclass(slots=True)
class BackfillResult:
    messages_read: int = 0
    events_written: int = 0
    cancelled: bool = False
    channels_skipped: list[int] = field(default_factory=list)  # the bot may not read them


@dataclass(slots=True)
class _Channel:
    """One channel's work in progress: what was read but not yet written (it may still change)."""

    cursor: Cursor
    stretches: Stretches
    unwritten: list[int] = field(default_factory=list)  # ids of messages read since the cursor, newest first
    reactions: list[Interaction] = field(default_factory=list)
    oldest_read: datetime | None = None


class Backfiller:
    def __init__(self, store: Store, moderation: ModerationStore, me: discord.abc.User, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.moderation = moderation
        self.me = me
        self.settings = settings
        self.clock = clock
        self._gap = timedelta(minutes=settings.ingest.conversation_gap_minutes)

    async def run(self, guild_id: int, channels: Sequence[discord.TextChannel], window: Window, *,
                  on_progress: ProgressCallback | None = None, cancel: asyncio.Event | None = None) -> BackfillResult:
        """Read every unfinished channel's history back to `window.since`; cursors must already exist."""
        cursors = {cursor.channel_id: cursor for cursor in await self.moderation.cursors(guild_id)}
        outcome = BackfillResult(messages_read=sum(c.messages_read for c in cursors.values()))
        # Out of scope, the bot does not even listen live: it does not read those channels' history either.
        listened = [c for c in channels if in_scope(self.settings.scope, *channel_and_category(c))]
        states = {c.id: _Channel(cursors[c.id], Stretches(self._gap)) for c in listened if c.id in cursors}
        for gone in set(cursors) - set(states):
            # Deleted, hidden from the bot or put out of scope since the backfill began: nothing to read.
            await self.moderation.save_cursor(guild_id, Cursor(gone, None, cursors[gone].messages_read, True),
                                              self.clock())
        started = time.monotonic()
        last_report = 0.0

        async def report(force: bool = False) -> None:
            nonlocal last_report
            quiet = time.monotonic() - last_report < self.settings.backfill.progress_seconds
            if on_progress is None or (quiet and not force):
                return
            last_report = time.monotonic()
            await on_progress(self._progress(states, outcome, window), time.monotonic() - started)

        for channel in listened:
            state = states.get(channel.id)
            if state is None or state.cursor.done:
                continue
            try:
                await self._channel(guild_id, channel, state, window, outcome=outcome, report=report, cancel=cancel)
            except discord.Forbidden:
                # The bot lost access (or never had it): skip the channel, finish the others.
                log.warning("event=backfill_channel_forbidden guild_id=%s channel_id=%s", guild_id, channel.id)
                outcome.channels_skipped.append(channel.id)
                state.cursor = Cursor(channel.id, state.cursor.before_id, state.cursor.messages_read, True)
                await self.moderation.save_cursor(guild_id, state.cursor, self.clock())
            if outcome.cancelled:
                break
        await report(force=True)
        return outcome

    async def _channel(self, guild_id: int, channel: discord.TextChannel, state: _Channel, window: Window, *,
                       outcome: BackfillResult, report: Callable[[bool], Awaitable[None]],
                       cancel: asyncio.Event | None) -> None:
        before = state.cursor.before_id
        if before is not None:
            state.oldest_read = snowflake_time(before)
        while True:
            if cancel is not None and cancel.is_set():
                outcome.cancelled = True
                return
            try:
                page = await history_page(channel, before=before, cancel=cancel)
            except WaitCancelled:
                outcome.cancelled = True
                return
            reached_start = len(page) < PAGE
            for message in page:  # newest first
                if message.created_at < window.since:
                    reached_start = True
                    break
                await self._read(message, state, guild_id, outcome)
            if page:
                before = page[-1].id
            if reached_start:
                await self._write(guild_id, state, state.stretches.finish(), outcome, done=True)
                return
            await report(False)

    async def _read(self, message: discord.Message, state: _Channel, guild_id: int, outcome: BackfillResult) -> None:
        outcome.messages_read += 1
        state.unwritten.append(message.id)
        state.oldest_read = message.created_at
        if self.settings.backfill.reactions and message.reactions and _human(message):
            state.reactions.extend(await reactions_of(message))
        facts = facts_from(message)
        if facts is None or is_demand(message, self.me, self.settings):
            return  # as live: bots write nothing that counts, and a demand is not engagement
        completed = state.stretches.push(facts)
        if completed:
            await self._write(guild_id, state, completed, outcome, done=False)

    async def _write(self, guild_id: int, state: _Channel, stretch: list[MessageFacts], outcome: BackfillResult, *,
                     done: bool) -> None:
        """Write a finished stretch and everything read down to it, then move the cursor past it."""
        boundary = stretch[0].message_id if stretch and not done else None
        if boundary is None and not done:
            return
        def written(message_id: int) -> bool:
            return done or (boundary is not None and message_id >= boundary)
        events = replay(stretch, self._gap) + [r for r in state.reactions if written(r.source_id)]
        # Only what is new: a repeated backfill reads the same history and records nothing again.
        outcome.events_written += await self.store.write_events(events, count_new=True)
        read = sum(1 for message_id in state.unwritten if written(message_id))
        state.unwritten = [m for m in state.unwritten if not written(m)]
        state.reactions = [r for r in state.reactions if not written(r.source_id)]
        cursor = state.cursor
        state.cursor = Cursor(cursor.channel_id, boundary if boundary is not None else cursor.before_id,
                              cursor.messages_read + read, done)
        await self.moderation.save_cursor(guild_id, state.cursor, self.clock())

    @staticmethod
    def _progress(states: dict[int, _Channel], outcome: BackfillResult, window: Window) -> Progress:
        channels = [ChannelProgress(state.cursor.done, state.oldest_read) for state in states.values()]
        return Progress(channels, outcome.messages_read, window.since, window.until)


async def history_page(channel: discord.TextChannel, *, before: int | None = None, after: int | None = None,
                       cancel: asyncio.Event | None = None) -> list[discord.Message]:
    """One page of history: newest first with `before`, oldest first with `after`. discord.py waits out 429s
    itself, as long as Discord says (global ones too), and retries 5xx: up to 5 tries a request, which are the
    only tries (no loop here on top of them, issue #10 bug 7). A client that caps its waits
    (`max_ratelimit_timeout`) raises RateLimited instead of waiting: then wait here, exactly as told (`cancel`
    ends the wait with WaitCancelled), and ask again."""
    while True:
        try:
            return [message async for message in channel.history(
                limit=PAGE, before=_point(before), after=_point(after), oldest_first=after is not None)]
        except discord.RateLimited as limited:
            log.warning("event=backfill_rate_limited channel_id=%s wait=%.1f", channel.id, limited.retry_after)
            if await _cancelled_within(cancel, limited.retry_after):
                raise WaitCancelled from None
        except discord.HTTPException as error:
            if error.status == 429:  # discord.py waited as told 5 times in a row and gave up
                raise KeptRateLimited from error
            raise


def _point(message_id: int | None) -> discord.Object | None:
    return discord.Object(id=message_id) if message_id is not None else None


async def reactions_of(message: discord.Message) -> list[Interaction]:
    """Who reacted: one request per emoji (only for messages that have reactions at all). Dated at the
    message's time, the latest moment the history can vouch for; the reaction's own time is unknown."""
    found: dict[int, Interaction] = {}
    for reaction in message.reactions:
        async for user in reaction.users(limit=None):
            if user.bot or user.id == message.author.id or user.id in found:
                continue
            found[user.id] = Interaction(message.guild.id if message.guild else 0, user.id, message.author.id,
                                         InteractionKind.REACTION, message.channel.id, message.id,
                                         message.created_at)
    return list(found.values())


async def prepare(store: Store, moderation: ModerationStore, guild_id: int, *, channel_ids: Sequence[int], days: int,
                  actor_id: int, now: datetime) -> tuple[Window, bool]:
    """Resume an interrupted backfill (its window and cursors), or set up a new one: a cursor per channel.
    Either way the audit log records who started it; the start entry also remembers the window."""
    unfinished = [cursor for cursor in await moderation.cursors(guild_id) if not cursor.done]
    detail = await moderation.latest_audit_detail(guild_id, AuditAction.BACKFILL_STARTED)
    if unfinished and detail is not None:
        await store.record_audit(guild_id, actor_id, AuditAction.BACKFILL_RESUMED, detail, now)
        return Window.from_detail(detail), True
    window = Window(now - timedelta(days=days), now)
    await moderation.start_cursors(guild_id, channel_ids, now)
    await store.record_audit(guild_id, actor_id, AuditAction.BACKFILL_STARTED, window.as_detail(days), now)
    return window, False


async def _cancelled_within(cancel: asyncio.Event | None, seconds: float) -> bool:
    """Wait `seconds`; True as soon as `cancel` is set instead."""
    if cancel is None:
        await asyncio.sleep(seconds)
        return False
    try:
        await asyncio.wait_for(cancel.wait(), seconds)
    except TimeoutError:
        return False
    return True


def _human(message: discord.Message) -> bool:
    return not message.author.bot and message.webhook_id is None


def readable_text_channels(channels: Sequence[object], me: discord.Member) -> list[discord.TextChannel]:
    """The channels a backfill can read: text channels where the bot sees and may read history."""
    found = []
    for channel in channels:
        if not isinstance(channel, discord.TextChannel):
            continue
        permissions = channel.permissions_for(me)
        if permissions.view_channel and permissions.read_message_history:
            found.append(channel)
    return sorted(found, key=lambda c: (c.position, c.id))
