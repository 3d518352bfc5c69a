"""/quidpro: per-server policy, dry runs, statistics and history backfill, for moderators only.

Discord hides the group from members without Manage Server (`default_permissions`), but a server's
admins can override that in their integration settings and a client can be modified: every command,
button and autocomplete here checks `manage_guild` again on the bot's side before doing anything.
One cog (one `/quidpro` group), its commands in a module per area.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from bot.adapter.exts.moderation._views import CancelBackfill
from bot.adapter.exts.moderation.backfill import BackfillCommands, BackfillJob
from bot.adapter.exts.moderation.policy import PolicyCommands
from bot.adapter.exts.moderation.stats import StatsCommands
from bot.storage.moderation import ModerationStore

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Moderation(PolicyCommands, StatsCommands, BackfillCommands, commands.GroupCog, group_name="quidpro",
                 group_description="Moderator tools for Quid Pro No"):
    def __init__(self, bot: QuidProNo) -> None:
        super().__init__()
        self.bot = bot
        self.moderation = ModerationStore(bot.store)
        self.backfills: dict[int, BackfillJob] = {}
        self._resuming: set[asyncio.Task[None]] = set()  # resumes waiting for a stale lease


async def setup(bot: QuidProNo) -> None:
    bot.add_dynamic_items(CancelBackfill)
    await bot.add_cog(Moderation(bot))
