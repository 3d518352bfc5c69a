"""The moderators' audit channel: every verdict and every alert, when a channel is configured."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.adapter.events import ModeratorAlert, VerdictGiven

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()


class Audit(commands.Cog):
    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_verdict(self, verdict: VerdictGiven) -> None:
        reasons = ", ".join(verdict.reason_codes) or "none"
        await self._post(verdict.guild_id, f"Verdict #{verdict.demand_id}: <@{verdict.requester_id}> → "
                                           f"<@{verdict.target_id}>: **{verdict.outcome}** ({reasons}) "
                                           f"{verdict.jump_url}")

    @commands.Cog.listener()
    async def on_moderator_alert(self, alert: ModeratorAlert) -> None:
        await self._post(alert.guild_id, alert.text)

    async def _post(self, guild_id: int, text: str) -> None:
        channel_id = (await self.bot.settings_for(guild_id)).audit.channel_id
        if channel_id is None:
            return
        channel = self.bot.get_channel(channel_id)
        # Never across guilds: the configured channel must belong to the guild the entry is about.
        if not isinstance(channel, discord.TextChannel | discord.Thread) or channel.guild.id != guild_id:
            log.warning("event=audit_channel_missing guild_id=%s channel_id=%s", guild_id, channel_id)
            return
        try:
            await channel.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            log.warning("event=audit_post_failed guild_id=%s status=%s", guild_id, error.status)


async def setup(bot: QuidProNo) -> None:
    await bot.add_cog(Audit(bot))
