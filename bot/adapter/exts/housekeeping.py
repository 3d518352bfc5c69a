"""Forgetting on schedule: old interactions, expired requests, members and servers that left."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)

SWEEP_MINUTES = 10


class Housekeeping(commands.Cog):
    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.sweep.start()

    async def cog_unload(self) -> None:
        self.sweep.cancel()

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.bot.store.departures.mark_guild_left(guild.id, self.bot.now())
        log.info("event=guild_left guild_id=%s", guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bot.store.departures.mark_guild_left(guild.id, self.bot.now(), left=False)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """Only with the members intent (`member_leave: purge`), which is when a departure was noted."""
        await self.bot.store.departures.mark_back(member.guild.id, member.id)

    @tasks.loop(minutes=SWEEP_MINUTES)
    async def sweep(self) -> None:
        try:
            await self._sweep_unless_swept()
        except Exception:  # a failed sweep is retried on the next tick; it must not end the loop
            log.exception("event=sweep_failed")

    async def _sweep_unless_swept(self) -> None:
        """The sweeps are global: one process of the cluster runs them each period, whichever comes first."""
        coordinator = self.bot.coordinator
        async with coordinator.lock("sweep"):
            since = await coordinator.seconds_since("sweep")
            if since is not None and since < SWEEP_MINUTES * 60 * 0.9:
                log.info("event=sweep_skipped reason=swept_recently seconds_ago=%.0f", since)
                return
            await self._sweep()
            await coordinator.set_mark("sweep")

    async def _sweep(self) -> None:
        settings, now, store = self.bot.settings, self.bot.now(), self.bot.store
        purged = await store.purge_events_before(now - timedelta(days=settings.ingest.retention_days))
        expired = await store.consent.expire_requests(now)
        await self.bot.batcher.flush()  # nothing about a purged member may be written after the purge
        members = guilds = 0
        for guild_id, user_id, left_at in await store.departures.departed_members(now):
            if now - left_at >= timedelta(days=(await self.bot.settings_for(guild_id)).privacy.member_grace_days):
                await store.privacy.forget(guild_id, user_id, now)
                self.bot.conversations.forget_member(user_id)
                members += 1
        for guild_id, left_at in await store.departures.departed_guilds(now):
            if now - left_at >= timedelta(days=(await self.bot.settings_for(guild_id)).privacy.guild_grace_days):
                await store.departures.purge_guild(guild_id)
                self.bot.forget_settings(guild_id)
                guilds += 1
        log.info("event=sweep events_purged=%d requests_expired=%d members_purged=%d guilds_purged=%d",
                 purged, expired, members, guilds)


async def setup(bot: QuidProNo) -> None:
    await bot.add_cog(Housekeeping(bot))
