"""One error path for everything a person or Discord can set off: slash commands, buttons, selects,
modals, and the listeners.

Like python-discord/bot's error handler: the person gets a polite private answer, the log gets one
structured line with the guild, channel and interaction ids and the error's type (never any text a
member wrote), and the bot carries on. Bad input to slash commands gets help instead of an apology.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again in a moment."

Callback = TypeVar("Callback", bound=Callable[..., Awaitable[None]])


async def interaction_failed(interaction: discord.Interaction[Any], error: BaseException, where: str) -> None:
    """The unexpected, anywhere an interaction is answered: log it with ids, apologise privately."""
    log.error("event=interaction_failed where=%s guild_id=%s channel_id=%s interaction_id=%s user_id=%s error=%s",
              where, interaction.guild_id, interaction.channel_id, interaction.id, interaction.user.id,
              type(error).__name__, exc_info=error)
    await tell(interaction, APOLOGY)


async def tell(interaction: discord.Interaction[Any], message: str) -> None:
    """A private answer, whether or not the interaction was answered (or deferred) already."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException as failure:
        log.warning("event=error_reply_failed guild_id=%s channel_id=%s interaction_id=%s status=%s",
                    interaction.guild_id, interaction.channel_id, interaction.id, failure.status)


async def on_app_command_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    if isinstance(error, app_commands.CommandOnCooldown):
        await tell(interaction, f"Easy there: try again in {error.retry_after:.0f} seconds.")
    elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        await tell(interaction, "You don't have permission to do that here.")
    elif isinstance(error, app_commands.TransformerError):
        await tell(interaction, f"I couldn't understand {error.value!r}: {error}")
    else:
        command = interaction.command.qualified_name if interaction.command else "unknown"
        await interaction_failed(interaction, getattr(error, "original", error), f"command:{command}")


def handler_failed(event_method: str, args: tuple[object, ...]) -> None:
    """A listener raised: log with the ids of what it was handling (never text), and carry on."""
    where = next((arg for arg in args if hasattr(arg, "guild_id") or hasattr(arg, "guild")), None)
    guild = getattr(where, "guild_id", None) or getattr(getattr(where, "guild", None), "id", None)
    channel = getattr(where, "channel_id", None) or getattr(getattr(where, "channel", None), "id", None)
    log.exception("event=handler_failed handler=%s guild_id=%s channel_id=%s", event_method, guild, channel)


def guarded(callback: Callback) -> Callback:
    """A component callback that answers through the one error path instead of "This interaction failed"."""

    @functools.wraps(callback)
    async def run(self: Any, interaction: discord.Interaction[Any], *args: Any) -> None:
        try:
            await callback(self, interaction, *args)
        except Exception as error:
            await interaction_failed(interaction, error, f"item:{type(self).__name__}")

    return run  # type: ignore[return-value]


class GuardedItem:
    """Mix into a `DynamicItem`: discord.py only logs its errors, so every subclass's callback is guarded."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "callback" in cls.__dict__:
            cls.callback = guarded(cls.__dict__["callback"])  # type: ignore[attr-defined]


class GuardedView(discord.ui.View):
    async def on_error(self, interaction: discord.Interaction[Any], error: Exception,
                       item: discord.ui.Item[Any], /) -> None:
        await interaction_failed(interaction, error, f"view:{type(self).__name__}")


class GuardedModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        await interaction_failed(interaction, error, f"modal:{type(self).__name__}")
