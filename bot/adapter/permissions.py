"""Moderator checks made on the bot's side, whatever a client showed or a server's admins overrode."""

from __future__ import annotations

import logging
from typing import Any

import discord

log = logging.getLogger(__name__)

NOT_A_MODERATOR = ("Only members with the **Manage Server** permission can use /quidpro here. "
                   "Nothing was changed. Ask a moderator if you think a setting should be different.")
MESSAGE_LIMIT = 2000


def is_manager(interaction: discord.Interaction[Any]) -> bool:
    """The server-side check, on every call: the member's own Manage Server permission in this guild."""
    user = interaction.user
    return (interaction.guild is not None and isinstance(user, discord.Member)
            and user.guild.id == interaction.guild.id and user.guild_permissions.manage_guild)


async def refuse_unless_manager(interaction: discord.Interaction[Any]) -> bool:
    """True when the caller may not go on; they were told why, privately, and nothing happened."""
    if is_manager(interaction):
        return False
    log.info("event=moderation_refused guild_id=%s user_id=%s command=%s", interaction.guild_id,
             interaction.user.id, interaction.command.qualified_name if interaction.command else None)
    await interaction.response.send_message(NOT_A_MODERATOR, ephemeral=True)
    return True


def clip(text: str) -> str:
    """A message Discord accepts: at most 2,000 characters."""
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"
