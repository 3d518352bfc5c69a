"""One place for slash-command errors: bad input gets help, cooldowns a time, the unexpected an apology."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again in a moment."


async def on_app_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    if isinstance(error, app_commands.CommandOnCooldown):
        message = f"Easy there: try again in {error.retry_after:.0f} seconds."
    elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        message = "You don't have permission to do that here."
    elif isinstance(error, app_commands.TransformerError):
        message = f"I couldn't understand {error.value!r}: {error}"
    else:
        command = interaction.command.qualified_name if interaction.command else None
        log.error("event=command_failed command=%s guild_id=%s", command, interaction.guild_id,
                  exc_info=error)
        message = APOLOGY
    await _tell(interaction, message)


async def _tell(interaction: discord.Interaction, message: str) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("event=error_reply_failed guild_id=%s", interaction.guild_id)


async def setup(bot: QuidProNo) -> None:
    bot.tree.on_error = on_app_command_error  # type: ignore[method-assign]
