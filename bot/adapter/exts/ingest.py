"""Recording who interacts with whom from gateway events: ids and times, never text."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.adapter._messages import channel_and_category, facts_from, is_demand, valid_id
from bot.core.ingest import from_messages, reaction_of, records_of
from bot.core.model import Interaction, InteractionKind
from bot.core.scope import in_scope

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)


class Ingest(commands.Cog):
    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        facts = facts_from(message)
        if facts is None or self.bot.user is None:
            return
        # No await before the conversation tracker has seen this message: turns depend on message order.
        if not self.bot.handover.live(facts.guild_id, facts.channel_id, facts.message_id):
            return  # said during a gap and already caught up from the channel's history
        settings = self.bot.settings_now(facts.guild_id)
        if not in_scope(settings.scope, *channel_and_category(message.channel)):
            return  # moderators keep the bot out of this channel: it does not even listen
        if is_demand(message, self.bot.user, settings):
            return  # a demand is not engagement: it earns the demander nothing
        self.bot.batcher.extend(records_of(facts, self.bot.conversations))

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        author_id = payload.message_author_id
        if payload.guild_id is None or author_id is None or author_id == payload.user_id:
            return
        if not all(map(valid_id, (payload.guild_id, payload.channel_id, payload.message_id, payload.user_id,
                                  author_id))):
            log.warning("event=reaction_skipped reason=id_out_of_range")
            return
        channel = self.bot.get_channel(payload.channel_id)
        where = channel_and_category(channel) if channel is not None else (payload.channel_id, None)
        if not in_scope(self.bot.settings_now(payload.guild_id).scope, *where):
            return
        if payload.member is not None and payload.member.bot:
            return
        author = self.bot.get_user(author_id)
        if author_id == (self.bot.user and self.bot.user.id) or (author is not None and author.bot):
            return  # reacting to a bot's message (a verdict, say) is not engaging with a member
        self.bot.batcher.add(Interaction(
            payload.guild_id, payload.user_id, author_id, InteractionKind.REACTION, payload.channel_id,
            payload.message_id, self.bot.now(),
        ))

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None:
            return
        guild_id, message_id, user_id = payload.guild_id, payload.message_id, payload.user_id

        async def withdraw() -> None:
            await self.bot.batcher.withdraw(reaction_of(guild_id, message_id, user_id),
                                            lambda: self.bot.store.withdraw_reaction(guild_id, message_id, user_id))

        ids = {"guild_id": guild_id, "message_id": message_id, "user_id": user_id}
        await self.bot.batcher.unless_outage("reaction_removed", ids, withdraw, withdraw)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            await self._withdraw(payload.guild_id, [payload.message_id])

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            await self._withdraw(payload.guild_id, sorted(payload.message_ids))

    async def _withdraw(self, guild_id: int, message_ids: list[int]) -> None:
        async def withdraw() -> None:  # the messages' interactions may still be waiting in memory
            await self.bot.batcher.withdraw(from_messages(guild_id, message_ids),
                                            lambda: self.bot.store.withdraw_sources(guild_id, message_ids))

        ids = {"guild_id": guild_id, "message_id": min(message_ids, default=0), "count": len(message_ids)}
        await self.bot.batcher.unless_outage("messages_deleted", ids, withdraw, withdraw)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """With `member_leave: purge`, a member who left is forgotten after the grace period."""
        if self.bot.settings.ingest.member_leave == "purge":
            await self.bot.store.departures.mark_left(payload.guild_id, payload.user.id, self.bot.now())


async def setup(bot: QuidProNo) -> None:
    await bot.add_cog(Ingest(bot))
