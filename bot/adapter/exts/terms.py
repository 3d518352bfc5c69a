"""/terms: a member's own words on what they follow, quoted in the Why? of a decline aimed at them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.errors import GuardedModal
from bot.adapter.events import ModeratorAlert
from bot.adapter.permissions import is_manager
from bot.core.model import AuditAction
from bot.core.terms import MAX_TERMS, TermsError, check_terms, shown_terms

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
EXAMPLE = "I follow people who comment on my art; I never follow back just for a follow."


async def _say(interaction: discord.Interaction[Any], text: str) -> None:
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


@app_commands.guild_only()
class Terms(commands.GroupCog, group_name="terms", group_description="Your own words on what you follow"):
    def __init__(self, bot: QuidProNo) -> None:
        super().__init__()
        self.bot = bot

    @app_commands.command(name="set", description="Say in your own words what you follow (shown when I decline)")
    async def set_terms(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = cast(int, interaction.guild_id)
        current = await self.bot.store.preferences.terms(guild_id, interaction.user.id)
        await interaction.response.send_modal(TermsModal(self.bot, current))

    @app_commands.command(name="show", description="A member's stated terms (yours when no one is named)")
    async def show(self, interaction: discord.Interaction[Any], member: discord.Member | None = None) -> None:
        guild_id, who = cast(int, interaction.guild_id), member or interaction.user
        terms = shown_terms(await self.bot.store.preferences.terms(guild_id, who.id))
        if terms is None:
            await _say(interaction, f"{who.mention} hasn't stated any terms." if member
                       else "You haven't stated any terms yet: /terms set.")
            return
        await _say(interaction, f"In {who.mention}'s words: “{terms}”")

    @app_commands.command(name="clear", description="Remove your terms (moderators: anyone's)")
    async def clear(self, interaction: discord.Interaction[Any], member: discord.Member | None = None) -> None:
        guild_id, now = cast(int, interaction.guild_id), self.bot.now()
        if member is None or member.id == interaction.user.id:
            gone = await self.bot.store.preferences.set_terms(guild_id, interaction.user.id, None, now)
            await _say(interaction, "Your terms are removed." if gone else "You had no terms to remove.")
            return
        if not is_manager(interaction):  # checked here, whatever the client showed
            await _say(interaction, "Only moderators (Manage Server) can clear someone else's terms.")
            return
        if not await self.bot.store.preferences.set_terms(guild_id, member.id, None, now):
            await _say(interaction, f"{member.mention} has no terms to clear.")
            return
        # The audit names who cleared whose terms, never the words themselves.
        await self.bot.store.record_audit(guild_id, interaction.user.id, AuditAction.TERMS_CLEARED,
                                          {"member_id": str(member.id)}, now)
        log.info("event=terms_cleared guild_id=%s moderator_id=%s", guild_id, interaction.user.id)
        self.bot.dispatch("moderator_alert", ModeratorAlert(
            guild_id, f"Terms cleared: <@{interaction.user.id}> cleared <@{member.id}>'s stated terms."))
        await _say(interaction, f"{member.mention}'s terms are cleared. The change is in the audit log.")


class TermsModal(GuardedModal, title="Your terms"):
    def __init__(self, bot: QuidProNo, current: str | None) -> None:
        super().__init__(timeout=600)
        self.bot = bot
        self.words: discord.ui.TextInput[TermsModal] = discord.ui.TextInput(
            label="What you follow, in your own words", style=discord.TextStyle.paragraph, max_length=MAX_TERMS,
            placeholder=EXAMPLE, default=current, custom_id="qpn:terms:text")
        self.add_item(self.words)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = cast(int, interaction.guild_id)
        try:
            terms = check_terms(self.words.value)
        except TermsError as error:
            # Give their words back so nothing they typed is lost.
            await _say(interaction, f"{error} Nothing was saved. You wrote:\n>>> {self.words.value[:1500]}")
            return
        await self.bot.store.preferences.set_terms(guild_id, interaction.user.id, terms, self.bot.now())
        await _say(interaction, f"Saved. When I decline a demand aimed at you, its Why? will say: In "
                                f"{interaction.user.mention}'s words: “{terms}”")


async def setup(bot: QuidProNo) -> None:
    await bot.add_cog(Terms(bot))
