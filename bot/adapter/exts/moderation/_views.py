"""The Cancel button under a backfill's progress message."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.adapter.errors import GuardedItem
from bot.adapter.permissions import refuse_unless_manager
from bot.storage.leases import BackfillLeases

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)


class CancelBackfill(GuardedItem, discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
                    template=r"qpn:backfill:cancel:(?P<guild_id>[0-9]{1,20})"):
    """Cancel under the progress message. The guild travels in the custom id, so it survives restarts."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(discord.ui.Button(label="Cancel", style=discord.ButtonStyle.danger,
                                           custom_id=f"qpn:backfill:cancel:{guild_id}"))
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> CancelBackfill:
        return cls(int(match["guild_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if await refuse_unless_manager(interaction):
            return
        bot = cast("QuidProNo", interaction.client)
        cog = bot.get_cog("Moderation")
        job = getattr(cog, "backfills", {}).get(self.guild_id)
        if self.guild_id == interaction.guild_id and job is None and await self._cancel_elsewhere(interaction, bot):
            return
        if self.guild_id != interaction.guild_id or job is None:
            await interaction.response.send_message("No backfill is running here.", ephemeral=True)
            return
        job.cancel.set()
        log.info("event=backfill_cancel_requested guild_id=%s user_id=%s", self.guild_id, interaction.user.id)
        await interaction.response.edit_message(content="Cancelling the backfill after the current page…", view=None)

    async def _cancel_elsewhere(self, interaction: discord.Interaction[Any], bot: QuidProNo) -> bool:
        """The backfill may run in a terminal, the dashboard or another process: ask it through its lease."""
        holder = await BackfillLeases(bot.store.engine).request_cancel(self.guild_id)
        if holder is None:
            return False
        log.info("event=backfill_cancel_requested guild_id=%s user_id=%s remote=true", self.guild_id,
                 interaction.user.id)
        await interaction.response.send_message(f"Asked {holder.name} to stop after its current page.",
                                                ephemeral=True)
        return True


def cancel_view(guild_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CancelBackfill(guild_id))
    return view
