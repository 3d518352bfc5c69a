"""Catch-up after a gap: what was said while the bot was not listening, read from channel history.

After a new gateway session (one that could not be resumed, a restart, kill -9) Discord replays nothing.
For each recently active channel the bot reads the history after the last message it recorded there,
oldest first, with the backfill engine's reader, and hands each message to the same code live delivery
uses: interactions are recorded through the idempotent write path, demands are claimed once per message in
the database (so a catch-up answer and a live answer of one message cannot both happen) and answered while
fresh, or recorded silently when older. It stops where live delivery of the new session took over.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

import discord

from bot.adapter._messages import addresses_bot, channel_and_category, facts_from, is_demand
from bot.adapter.backfill import PAGE, history_page, reactions_of, readable_text_channels
from bot.adapter.replies import WHY_CUSTOM_ID
from bot.core.catchup import Budget, ChannelState, Reading, Report, is_fresh, plan
from bot.core.ingest import ConversationTracker, MessageFacts, records_of
from bot.core.model import Interaction, PostRef
from bot.core.scope import in_scope
from bot.core.settings import Settings
from bot.storage import StoredDemand
from bot.storage.edges import ChannelEdge

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)


class DemandPath(Protocol):
    """The Demands cog, as catch-up uses it (extensions are loaded as their own modules: no class to import)."""

    async def catch_up(self, message: discord.Message, *, fresh: bool) -> tuple[int, int]: ...

    async def resend(self, message: discord.Message, due: dict[int, StoredDemand]) -> int: ...


class _Channel:
    """One channel being caught up: its records not yet written, and the conversation they continue."""

    def __init__(self, channel: discord.TextChannel, settings: Settings, edge: ChannelEdge, after_id: int) -> None:
        self.channel = channel
        self.settings = settings
        self.pending: list[Interaction | PostRef] = []
        self.handled: int | None = None  # the newest message handled
        self.tracker = ConversationTracker(timedelta(minutes=settings.ingest.conversation_gap_minutes))
        last = edge.last_post
        if last is not None and last.message_id <= after_id:  # a turn may answer the last message before the gap
            self.tracker.observe(MessageFacts(channel.guild.id, channel.id, last.message_id, last.author_id,
                                              last.created_at))


class CatchUp:
    def __init__(self, bot: QuidProNo, demands: DemandPath) -> None:
        self.bot = bot
        self.demands = demands
        self.settings = bot.settings.catchup

    async def run(self, guilds: Sequence[discord.Guild]) -> Report:
        """Catch up every guild of a new session, within one REST budget; one log line with the figures."""
        report, budget, started = Report(), Budget(self.settings.max_requests), time.monotonic()
        await self.bot.batcher.flush()  # what live delivery holds counts as recorded
        await self._replies_due(guilds, budget, report)
        for guild in guilds:
            try:
                await self._guild(guild, budget, report)
            except discord.HTTPException as error:
                log.warning("event=catchup_guild_failed guild_id=%s status=%s", guild.id, error.status)
        report.requests = budget.used
        log.info("event=catchup %s seconds=%.2f", report.fields(), time.monotonic() - started)
        return report

    async def _replies_due(self, guilds: Sequence[discord.Guild], budget: Budget, report: Report) -> None:
        """Verdicts stored whose replies are not known to be sent (a process killed in between): the fresh
        ones are sent now, one history read a message. Their demands are before the last recorded message,
        so reading history after it would never find them."""
        since = self.bot.now() - timedelta(minutes=self.settings.answer_within_minutes)
        due = await self.bot.store.replies_due([guild.id for guild in guilds], since)
        by_message: dict[tuple[int, int], dict[int, StoredDemand]] = {}
        for demand in due:
            if demand.channel_id is not None and demand.message_id is not None:
                by_message.setdefault((demand.channel_id, demand.message_id), {})[demand.target_id] = demand
        for (channel_id, message_id), demands in by_message.items():
            channel = self.bot.get_channel(channel_id)
            if not isinstance(channel, discord.TextChannel | discord.Thread) or not budget.take():
                continue
            try:
                message = await channel.fetch_message(message_id)
            except discord.NotFound:  # deleted meanwhile: nobody to answer
                for demand in demands.values():
                    self.bot.batcher.settle_reply(demand.id)
                continue
            except discord.HTTPException as error:
                log.warning("event=catchup_resend_failed guild_id=%s channel_id=%s message_id=%s status=%s",
                            channel.guild.id, channel_id, message_id, error.status)
                continue
            # Delivered just before the stop, not yet marked: Discord drops a resent nonce only for a few
            # minutes, so look for the reply under the message first (one more history read).
            if budget.take():
                answered = await _replied_to(channel, message)
                for demand in [demand for demand in demands.values() if demand.id in answered]:
                    self.bot.batcher.settle_reply(demands.pop(demand.target_id).id)
            report.resent += await self.demands.resend(message, demands)

    async def _guild(self, guild: discord.Guild, budget: Budget, report: Report) -> None:
        settings = await self.bot.settings_for(guild.id)
        channels = {c.id: c for c in readable_text_channels(guild.channels, guild.me)
                    if in_scope(settings.scope, *channel_and_category(c))}
        edges = await self.bot.store.edges.of_channels(guild.id, list(channels))
        marks = await self.bot.store.edges.marks(guild.id)
        states = [ChannelState(c.id, c.last_message_id, marks.get(c.id, edges[c.id].last_id), c.id in marks)
                  for c in channels.values()]
        unrecorded = any(state.recorded_id is None for state in states)
        guild_recorded = await self.bot.store.edges.guild_last_post(guild.id) if unrecorded else None
        readings = plan(states, guild_recorded, self.bot.now() - timedelta(hours=self.settings.window_hours))
        report.guilds += 1
        for reading in readings:
            report.channels += 1
            state = _Channel(channels[reading.channel_id], settings, edges[reading.channel_id], reading.after_id)
            try:
                finished = await self._channel(state, reading, budget, report)
            except discord.Forbidden:
                log.warning("event=catchup_channel_forbidden guild_id=%s channel_id=%s", guild.id, reading.channel_id)
                finished = True
            await self._write(state, report, finished=finished)
            report.cut += not finished

    async def _channel(self, state: _Channel, reading: Reading, budget: Budget, report: Report) -> bool:
        """Read after `reading.after_id` until live delivery took over; False when the budget ran out first."""
        channel, after = state.channel, reading.after_id
        await self.bot.store.edges.set_mark(channel.guild.id, channel.id, after, self.bot.now())
        while budget.take():
            page = await history_page(channel, after=after)
            for message in page:  # oldest first
                if not self.bot.handover.caught_up(channel.guild.id, channel.id, message.id):
                    return True  # live delivery has this one and everything after it
                if not await self._message(message, state, budget, report):
                    return False  # its reactions are past the budget: the next session resumes at this message
            if len(page) < PAGE:
                if not self.bot.handover.live_started(channel.guild.id, channel.id):  # live goes on from here
                    self.bot.conversations.adopt(state.tracker, channel.id)
                return True
            after = page[-1].id
            await self._write(state, report, finished=False)
        return False

    async def _message(self, message: discord.Message, state: _Channel, budget: Budget, report: Report) -> bool:
        """What live delivery does with a message: record it (unless it is a demand), then answer it. False:
        reading who reacted would pass the budget, so the message is left for the next session."""
        facts = facts_from(message)
        reactions = state.settings.backfill.reactions and facts is not None and bool(message.reactions)
        if reactions and not budget.take(len(message.reactions)):
            return False
        report.messages += 1
        if facts is not None:
            await self._handle(message, facts, state, report, reactions=reactions)
        state.handled = message.id  # only now: a mark never passes a demand not yet answered
        return True

    async def _handle(self, message: discord.Message, facts: MessageFacts, state: _Channel, report: Report, *,
                      reactions: bool) -> None:
        me, settings = self.bot.user, state.settings
        assert me is not None
        if not is_demand(message, me, settings):
            state.pending.extend(records_of(facts, state.tracker))
            if reactions:  # paid for by the caller
                state.pending.extend(await reactions_of(message))
        if message.mentions and addresses_bot(message, me, settings.listen.member_mentions):
            await self._write(state, report, finished=False)  # decide on the freshest history
            fresh = is_fresh(message.created_at, self.bot.now(), self.settings.answer_within_minutes)
            answered, silent = await self.demands.catch_up(message, fresh=fresh)
            report.answered += answered
            report.silent += silent

    async def _write(self, state: _Channel, report: Report, *, finished: bool) -> None:
        """Write what was read, then move the channel's mark past it (or drop the mark: the channel is done)."""
        if state.pending:  # counted as stored: neither already recorded nor about someone erased since
            report.interactions += await self.bot.store.write_events(state.pending, count_new=True)
            state.pending = []
        channel = state.channel
        if finished or state.handled is not None:
            await self.bot.store.edges.set_mark(channel.guild.id, channel.id, None if finished else state.handled,
                                                self.bot.now())


async def _replied_to(channel: discord.TextChannel | discord.Thread, message: discord.Message) -> set[int]:
    """The demands the bot already answered under `message` in the channel: each reply's Why? button holds
    its demand's id."""
    me = channel.guild.me
    answered: set[int] = set()
    async for later in channel.history(after=message, limit=PAGE, oldest_first=True):
        if later.author.id == me.id and later.reference is not None and later.reference.message_id == message.id:
            answered |= {int(match["demand_id"]) for row in later.components for item in getattr(row, "children", ())
                         if (match := _WHY.fullmatch(getattr(item, "custom_id", None) or ""))}
    return answered


_WHY = re.compile(WHY_CUSTOM_ID)
