"""Catch-up after a gap, wired to the gateway: a new session (READY, never RESUMED) starts one per shard."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, cast

from discord.ext import commands

from bot.adapter.catchup import CatchUp, DemandPath

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)


class CatchUpCog(commands.Cog):
    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot
        self._locks: dict[int, asyncio.Lock] = {}

    @commands.Cog.listener()
    async def on_shard_connect(self, shard_id: int) -> None:
        """READY was just parsed (a RESUME never gets here): before any event of the new session is handled,
        forget where the old session's live delivery began."""
        self.bot.handover.new_session(guild.id for guild in self.bot.guilds if guild.shard_id == shard_id)

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """Every guild of the new session is available: read what was said while nobody listened."""
        demands = cast("DemandPath | None", self.bot.get_cog("Demands"))
        if not self.bot.settings.catchup.enabled or demands is None:
            return
        async with self._locks.setdefault(shard_id, asyncio.Lock()):  # sessions in quick succession: in turn
            guilds = [guild for guild in self.bot.guilds if guild.shard_id == shard_id and not guild.unavailable]
            report = await CatchUp(self.bot, demands).run(guilds)
        self.bot.dispatch("catchup_done", shard_id, report)


async def setup(bot: QuidProNo) -> None:
    await bot.add_cog(CatchUpCog(bot))
