"""/quidpro stats: demands per day, the outcome mix, top requesters and connections, with a chart."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.permissions import clip, refuse_unless_manager
from bot.charts import stats_png
from bot.core import stats as stats_core

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo
    from bot.storage.moderation import ModerationStore

STATS_DAYS = 30


class StatsCommands(commands.Cog):
    """`/quidpro stats`, mixed into the `/quidpro` cog."""

    bot: QuidProNo
    moderation: ModerationStore

    @app_commands.command(name="stats", description="Demands per day, outcomes, top requesters, connections")
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        if await refuse_unless_manager(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = cast(int, interaction.guild_id)
        stats = await guild_stats(self.moderation, guild_id, self.bot.now(), STATS_DAYS)
        png = await asyncio.to_thread(stats_png, stats)
        await interaction.followup.send(clip(stats_core.render(stats)), ephemeral=True,
                                        file=discord.File(io.BytesIO(png), filename="quidpro-stats.png"))


async def guild_stats(moderation: ModerationStore, guild_id: int, now: datetime, days: int) -> stats_core.Stats:
    since = now - timedelta(days=days)
    rows = await moderation.demand_rows(guild_id, since)
    accepted = await moderation.accepted_connections(guild_id, since)
    return stats_core.compute(rows, accepted, today=now.date(), days=days)
