"""Ask first when unsure: "Do you want me to look at whether @Alice might follow you back? [Yes] [No]".

Only the author can answer. Yes gives the verdict as if the bot had been sure; No, or no answer within the
server's `detection.ask_timeout_seconds`, records nothing and posts nothing more (the buttons go away).
The question lives in memory: after a restart its buttons no longer answer, and nothing was recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.adapter.errors import GuardedView

log = logging.getLogger(__name__)

NOT_YOURS = "This question is for the person who wrote the message, so only they can answer it. Thanks, though!"


def question(targets: list[discord.abc.User]) -> str:
    names = ", ".join(target.mention for target in targets)
    return f"Do you want me to look at whether {names} might follow you back?"


class AskView(GuardedView):
    """[Yes] [No] for the author alone; Yes runs `on_yes` once."""

    def __init__(self, author_id: int, on_yes: Callable[[], Awaitable[object]], timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.author_id = author_id
        self.on_yes = on_yes
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.author_id:
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        return False

    @discord.ui.button(label="Yes", style=discord.ButtonStyle.primary)
    async def yes(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[AskView]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Okay, I'm looking now.", view=None)
        await self.on_yes()

    @discord.ui.button(label="No", style=discord.ButtonStyle.secondary)
    async def no(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[AskView]) -> None:
        self.stop()
        await interaction.response.edit_message(view=None)  # nothing recorded, nothing more said

    async def on_timeout(self) -> None:
        if self.message is not None:
            try:
                await self.message.edit(view=None)
            except discord.HTTPException as error:
                log.info("event=ask_expire_failed status=%s", error.status)
            except RuntimeError:  # the bot is shutting down (its HTTP session is closed): nothing to tidy
                log.info("event=ask_expire_skipped reason=closing")


async def ask(message: discord.Message, targets: list[discord.abc.User], on_yes: Callable[[], Awaitable[object]],
              wait_seconds: float, nonce: str) -> None:
    """Privately by DM where the author allows it, else as a reply in the channel (still only theirs to press)."""
    view = AskView(message.author.id, on_yes, wait_seconds)
    text, quiet = question(targets), discord.AllowedMentions.none()
    try:
        try:
            view.message = await message.author.send(text, view=view, allowed_mentions=quiet, nonce=nonce)
        except discord.HTTPException:  # DMs closed: ask under the message instead
            view.message = await message.reply(text, view=view, mention_author=True, nonce=nonce,
                                               allowed_mentions=discord.AllowedMentions(
                                                   users=[message.author], everyone=False, roles=False))
    except discord.HTTPException as error:
        view.stop()
        log.warning("event=ask_failed channel_id=%s status=%s", message.channel.id, error.status)
