"""/quidpro policy: show, set, reset and simulate this server's settings on top of config.yaml."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.events import ModeratorAlert
from bot.adapter.permissions import clip, is_manager, refuse_unless_manager
from bot.config import override_validator
from bot.core.setting_changes import VIA_DISCORD, Proposal, audited, propose
from bot.core.setting_keys import (
    SettingKeyError,
    check_key,
    current_value,
    overridden_keys,
    setting_keys,
    shown,
)
from bot.core.settings import Settings
from bot.core.simulate import Simulation, describe, replays, simulate

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo
    from bot.storage.moderation import ModerationStore

log = logging.getLogger(__name__)


class PolicyCommands(commands.Cog):
    """The `/quidpro policy` group, mixed into the `/quidpro` cog."""

    bot: QuidProNo
    moderation: ModerationStore
    policy = app_commands.Group(name="policy", description="This server's policy on top of config.yaml")

    @policy.command(name="show", description="The settings this server changed, and the policy in force")
    async def policy_show(self, interaction: discord.Interaction[Any]) -> None:
        if await refuse_unless_manager(interaction):
            return
        guild_id = cast(int, interaction.guild_id)
        overrides = await self.bot.store.guild_overrides(guild_id)
        settings = await self.bot.settings_for(guild_id)
        keys = overridden_keys(overrides)
        lines = ["**Changed for this server** (everything else is config.yaml's):"]
        lines += [f"- `{key}` = `{shown(current_value(settings, key))}`" for key in keys] or ["- nothing yet"]
        lines.append("**Policy in force:** " + ", ".join(
            f"{name} {shown(value)}" for name, value in settings.policy.model_dump(mode="python").items()
            if not isinstance(value, dict)))
        lines.append("Change with `/quidpro policy set`, preview with `/quidpro policy simulate`.")
        await interaction.response.send_message(clip("\n".join(lines)), ephemeral=True)

    @policy.command(name="set", description="Change one setting for this server (validated like config.yaml)")
    @app_commands.describe(key="The setting, e.g. policy.mutual_min_score", value="The new value, e.g. 5 or [123]")
    async def policy_set(self, interaction: discord.Interaction[Any], key: str, value: str) -> None:
        if await refuse_unless_manager(interaction):
            return
        guild_id = cast(int, interaction.guild_id)
        overrides = await self.bot.store.guild_overrides(guild_id)
        try:
            key = check_key(self.bot.settings, key)
            proposal = self._propose(interaction, overrides, {key: value}, set())
        except SettingKeyError as error:
            await interaction.response.send_message(f"{error} Nothing was changed.", ephemeral=True)
            return
        if proposal.errors:
            await interaction.response.send_message(f"{proposal.errors[key]} Nothing was changed.", ephemeral=True)
            return
        if not proposal.changes:
            await interaction.response.send_message(f"`{key}` is `{value.strip()}` here already: nothing changed.",
                                                    ephemeral=True)
            return
        (change,) = proposal.changes
        await self._save(interaction, proposal, f"set `{key}` to `{change.new}` (was `{change.old}`)")
        await interaction.response.send_message(
            f"Done: `{key}` is now `{change.new}` here (was `{change.old}`). The change is in the audit log.",
            ephemeral=True)

    @policy.command(name="reset", description="Back to config.yaml: one setting, or all of them")
    @app_commands.describe(key="The setting to reset; leave empty to reset everything this server changed")
    async def policy_reset(self, interaction: discord.Interaction[Any], key: str | None = None) -> None:
        if await refuse_unless_manager(interaction):
            return
        guild_id = cast(int, interaction.guild_id)
        overrides = await self.bot.store.guild_overrides(guild_id)
        changed = overridden_keys(overrides)
        if key is not None and key.strip() not in changed:
            await interaction.response.send_message(
                f"`{key.strip()}` is not changed on this server, so there is nothing to reset.", ephemeral=True)
            return
        keys = [key.strip()] if key is not None else changed
        if not keys:
            await interaction.response.send_message("This server uses config.yaml as it is: nothing to reset.",
                                                    ephemeral=True)
            return
        proposal = self._propose(interaction, overrides, {}, set(keys))
        await self._save(interaction, proposal, f"reset {', '.join(f'`{k}`' for k in keys)} to config.yaml")
        await interaction.response.send_message(
            f"Done: {', '.join(f'`{k}`' for k in keys)} back to config.yaml. The change is in the audit log.",
            ephemeral=True)

    @policy.command(name="simulate", description="Preview a policy change on recent demands, without applying it")
    @app_commands.describe(key="A policy setting, e.g. policy.mutual_min_score", value="The value to try",
                           days="How many days of demands to replay")
    async def policy_simulate(self, interaction: discord.Interaction[Any], key: str, value: str,
                              days: app_commands.Range[int, 1, 365] | None = None) -> None:
        if await refuse_unless_manager(interaction):
            return
        guild_id = cast(int, interaction.guild_id)
        overrides = await self.bot.store.guild_overrides(guild_id)
        try:
            key = check_key(self.bot.settings, key)
            if not key.startswith("policy."):
                raise SettingKeyError(f"`{key}` does not change how demands are decided; dry runs replay `policy.*`"
                                      " settings.")
            proposal = self._propose(interaction, overrides, {key: value}, set())
        except SettingKeyError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        if proposal.errors:
            await interaction.response.send_message(proposal.errors[key], ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        current = await self.bot.settings_for(guild_id)
        days = days or current.audit.dry_run_days
        simulation = await self.dry_run(guild_id, current, proposal.settings, days)
        await interaction.followup.send(clip(describe(simulation, key, shown(current_value(proposal.settings, key)),
                                                      days)), ephemeral=True)

    async def dry_run(self, guild_id: int, current: Settings, changed: Settings, days: int) -> Simulation:
        """Each stored demand of the window, replayed at its own time from the history stored now."""
        await self.bot.batcher.flush_guild(guild_id)
        since = self.bot.now() - timedelta(days=days)
        replayed = await replays(self.moderation, guild_id, since, limit=current.audit.dry_run_max_demands,
                                 current=current.policy, changed=changed.policy,
                                 bot_id=self.bot.user.id if self.bot.user else 0)
        return simulate(replayed, current.policy, changed.policy)

    def _propose(self, interaction: discord.Interaction[Any], overrides: dict[str, Any], edits: dict[str, str],
                 resets: set[str]) -> Proposal:
        """The dashboard's path: the same parsing, rules and validation (bot.core.setting_changes)."""
        guild = interaction.guild
        return propose(self.bot.settings, overrides, edits, resets,
                       channel_in_guild=lambda channel_id: guild is not None and guild.get_channel(channel_id)
                       is not None, validate=override_validator(self.bot.settings))

    async def _save(self, interaction: discord.Interaction[Any], proposal: Proposal, summary: str) -> None:
        guild_id, now = cast(int, interaction.guild_id), self.bot.now()
        action, detail = audited(proposal.changes, VIA_DISCORD)
        await self.bot.store.set_guild_overrides(guild_id, proposal.overrides, now)
        await self.bot.store.record_audit(guild_id, interaction.user.id, action, detail, now)
        # Written through, not evicted: ingestion reads `settings_now` without waiting, and an evicted
        # entry would read as config.yaml's defaults until something awaited `settings_for` (#10, bug 2).
        self.bot.forget_settings(guild_id)
        await self.bot.settings_for(guild_id)
        log.info("event=policy_changed guild_id=%s user_id=%s action=%s via=discord", guild_id, interaction.user.id,
                 action)
        self.bot.dispatch("moderator_alert", ModeratorAlert(guild_id, f"Setting changed: <@{interaction.user.id}> "
                                                                      f"{summary}."))

    @policy_set.autocomplete("key")
    @policy_simulate.autocomplete("key")
    async def _complete_key(self, interaction: discord.Interaction[Any], typed: str) -> list[app_commands.Choice[str]]:
        if not is_manager(interaction):
            return []
        keys = setting_keys(self.bot.settings)
        if interaction.command is not None and interaction.command.name == "simulate":
            keys = [key for key in keys if key.startswith("policy.")]
        return _choices(keys, typed)

    @policy_reset.autocomplete("key")
    async def _complete_overridden(self, interaction: discord.Interaction[Any],
                                   typed: str) -> list[app_commands.Choice[str]]:
        if not is_manager(interaction) or interaction.guild_id is None:
            return []
        return _choices(overridden_keys(await self.bot.store.guild_overrides(interaction.guild_id)), typed)


def _choices(keys: list[str], typed: str) -> list[app_commands.Choice[str]]:
    typed = typed.strip().lower()
    matches = [key for key in keys if key.lower().startswith(typed)] + [
        key for key in keys if typed in key.lower() and not key.lower().startswith(typed)]
    return [app_commands.Choice(name=key, value=key) for key in matches[:25]]
