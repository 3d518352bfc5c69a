"""/quidpro: per-server policy, dry runs, statistics and history backfill, for moderators only.

Discord hides the group from members without Manage Server (`default_permissions`), but a server's
admins can override that in their integration settings and a client can be modified: every command,
button and autocomplete here checks `manage_guild` again on the bot's side before doing anything.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.backfill import Backfiller, BackfillResult, Window, prepare, readable_text_channels
from bot.adapter.events import ModeratorAlert
from bot.charts import stats_png
from bot.config import ConfigError, with_overrides
from bot.core import backfill as progress_text
from bot.core import stats as stats_core
from bot.core.backfill import Progress
from bot.core.model import AuditAction
from bot.core.setting_keys import (
    SettingKeyError,
    check_key,
    current_value,
    overridden_keys,
    parse_value,
    setting_keys,
    shown,
    with_key,
    without_key,
)
from bot.core.settings import Settings
from bot.core.simulate import Simulation, describe, simulate
from bot.storage.moderation import ModerationStore

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)

NOT_A_MODERATOR = ("Only members with the **Manage Server** permission can use /quidpro here. "
                   "Nothing was changed. Ask a moderator if you think a setting should be different.")
STATS_DAYS = 30
MESSAGE_LIMIT = 2000
# Interaction tokens last 15 minutes; stop editing the progress message a little before.
TOKEN_LIFETIME_SECONDS = 14 * 60


def is_manager(interaction: discord.Interaction[Any]) -> bool:
    """The server-side check, on every call: the member's own Manage Server permission in this guild."""
    user = interaction.user
    return (interaction.guild is not None and isinstance(user, discord.Member)
            and user.guild.id == interaction.guild.id and user.guild_permissions.manage_guild)


async def refuse_unless_manager(interaction: discord.Interaction[Any]) -> bool:
    """True when the caller may go on; otherwise they were told why, privately, and nothing happened."""
    if is_manager(interaction):
        return False
    log.info("event=moderation_refused guild_id=%s user_id=%s command=%s", interaction.guild_id,
             interaction.user.id, interaction.command.qualified_name if interaction.command else None)
    await interaction.response.send_message(NOT_A_MODERATOR, ephemeral=True)
    return True


def _clip(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Moderation(commands.GroupCog, group_name="quidpro", group_description="Moderator tools for Quid Pro No"):
    policy = app_commands.Group(name="policy", description="This server's policy on top of config.yaml")

    def __init__(self, bot: QuidProNo) -> None:
        super().__init__()
        self.bot = bot
        self.moderation = ModerationStore(bot.store)
        self.backfills: dict[int, BackfillJob] = {}

    # --- policy -----------------------------------------------------------------------------------

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
        await interaction.response.send_message(_clip("\n".join(lines)), ephemeral=True)

    @policy.command(name="set", description="Change one setting for this server (validated like config.yaml)")
    @app_commands.describe(key="The setting, e.g. policy.mutual_min_score", value="The new value, e.g. 5 or [123]")
    async def policy_set(self, interaction: discord.Interaction[Any], key: str, value: str) -> None:
        if await refuse_unless_manager(interaction):
            return
        guild_id = cast(int, interaction.guild_id)
        overrides = await self.bot.store.guild_overrides(guild_id)
        try:
            key, typed, settings = self._changed(interaction, overrides, key, value)
        except SettingKeyError as error:
            await interaction.response.send_message(f"{error} Nothing was changed.", ephemeral=True)
            return
        before = current_value(await self.bot.settings_for(guild_id), key)
        after = current_value(settings, key)
        await self._save(interaction, with_key(overrides, key, typed), AuditAction.POLICY_SET,
                         {"key": key, "old": shown(before), "new": shown(after)},
                         f"set `{key}` to `{shown(after)}` (was `{shown(before)}`)")
        await interaction.response.send_message(
            f"Done: `{key}` is now `{shown(after)}` here (was `{shown(before)}`). The change is in the audit log.",
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
        remaining = without_key(overrides, keys[0]) if key is not None else {}
        await self._save(interaction, remaining, AuditAction.POLICY_RESET, {"keys": keys},
                         f"reset {', '.join(f'`{k}`' for k in keys)} to config.yaml")
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
            key, _typed, changed = self._changed(interaction, overrides, key, value)
            if not key.startswith("policy."):
                raise SettingKeyError(f"`{key}` does not change how demands are decided; dry runs replay `policy.*`"
                                " settings.")
        except SettingKeyError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        current = await self.bot.settings_for(guild_id)
        days = days or current.audit.dry_run_days
        simulation = await self.dry_run(guild_id, current, changed, days)
        await interaction.followup.send(_clip(describe(simulation, key, shown(current_value(changed, key)), days)),
                                        ephemeral=True)

    async def dry_run(self, guild_id: int, current: Settings, changed: Settings, days: int) -> Simulation:
        """Each stored demand of the window, replayed at its own time from the history stored now."""
        await self.bot.batcher.flush()
        since = self.bot.now() - timedelta(days=days)
        replays = await self.moderation.replays(guild_id, since, current.audit.dry_run_max_demands, current.policy,
                                                changed.policy, bot_id=self.bot.user.id if self.bot.user else 0)
        return simulate(replays, current.policy, changed.policy)

    def _changed(self, interaction: discord.Interaction[Any], overrides: dict[str, Any], key: str,
                 value: str) -> tuple[str, Any, Settings]:
        """The key, the typed value and the guild's settings with it, validated like config.yaml."""
        base = self.bot.settings
        key = check_key(base, key)
        typed = parse_value(base, key, value)
        if key == "listen.member_mentions" and typed is True and not base.listen.member_mentions:
            raise SettingKeyError("`listen.member_mentions` needs a privileged intent that this bot's config.yaml does"
                            " not enable; a server can turn it off, not on.")
        if key == "audit.channel_id" and typed is not None:
            typed = self._own_channel(interaction, typed, value)
        try:
            return key, typed, with_overrides(base, with_key(overrides, key, typed))
        except ConfigError as error:
            problem = str(error).splitlines()[0].removeprefix("server setting: ")
            raise SettingKeyError(f"That value doesn't fit: {problem}.") from None

    @staticmethod
    def _own_channel(interaction: discord.Interaction[Any], typed: Any, raw: str) -> int:
        mention = re.fullmatch(r"\s*<#(\d+)>\s*", raw)
        channel_id = int(mention[1]) if mention else typed
        guild = interaction.guild
        # Never across guilds: audit entries may only go to a channel of this very server.
        if not isinstance(channel_id, int) or guild is None or guild.get_channel(channel_id) is None:
            raise SettingKeyError(f"`{raw.strip()}` is not a channel of this server: give a channel id or #mention.")
        return channel_id

    async def _save(self, interaction: discord.Interaction[Any], overrides: dict[str, Any], action: AuditAction,
                    detail: dict[str, Any], summary: str) -> None:
        guild_id, now = cast(int, interaction.guild_id), self.bot.now()
        await self.bot.store.set_guild_overrides(guild_id, overrides, now)
        await self.bot.store.record_audit(guild_id, interaction.user.id, action, detail, now)
        self.bot.forget_settings(guild_id)
        log.info("event=policy_changed guild_id=%s user_id=%s action=%s", guild_id, interaction.user.id, action)
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

    # --- statistics -------------------------------------------------------------------------------

    @app_commands.command(name="stats", description="Demands per day, outcomes, top requesters, connections")
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        if await refuse_unless_manager(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = cast(int, interaction.guild_id)
        stats = await guild_stats(self.moderation, guild_id, self.bot.now(), STATS_DAYS)
        png = await asyncio.to_thread(stats_png, stats)
        await interaction.followup.send(_clip(stats_core.render(stats)), ephemeral=True,
                                        file=discord.File(io.BytesIO(png), filename="quidpro-stats.png"))

    # --- backfill ---------------------------------------------------------------------------------

    @app_commands.command(name="backfill", description="Read recent channel history so verdicts have evidence")
    @app_commands.describe(days="How many days back to read (default and maximum set in config.yaml)")
    async def backfill(self, interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, 365] | None = None
                       ) -> None:
        if await refuse_unless_manager(interaction):
            return
        guild = cast(discord.Guild, interaction.guild)
        settings = await self.bot.settings_for(guild.id)
        days = days or settings.backfill.default_days
        if days > settings.backfill.max_days:
            await interaction.response.send_message(
                f"{days} days is more than this server allows (`backfill.max_days` = {settings.backfill.max_days}).",
                ephemeral=True)
            return
        if guild.id in self.backfills:
            await interaction.response.send_message("A backfill is already running here: its progress message has"
                                                    " a Cancel button.", ephemeral=True)
            return
        window, resumed = await self.prepare_backfill(guild, days, interaction.user.id)
        note = " (resuming the one that was interrupted)" if resumed else ""
        await interaction.response.send_message(f"Backfill starting{note}: reading history since "
                                                f"{discord.utils.format_dt(window.since, 'D')}…",
                                                view=cancel_view(guild.id), ephemeral=True)
        self.start_backfill(guild, window, interaction)

    async def prepare_backfill(self, guild: discord.Guild, days: int, actor_id: int) -> tuple[Window, bool]:
        channels = readable_text_channels(guild.channels, guild.me)
        return await prepare(self.bot.store, self.moderation, guild.id, channel_ids=[c.id for c in channels],
                             days=days, actor_id=actor_id, now=self.bot.now())

    def start_backfill(self, guild: discord.Guild, window: Window,
                       interaction: discord.Interaction[Any] | None) -> None:
        job = BackfillJob(self, guild, window, interaction)
        self.backfills[guild.id] = job
        job.task = asyncio.create_task(job.run(), name=f"backfill-{guild.id}")

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Carry on with backfills a restart interrupted, from their cursors."""
        if not self.bot.settings.backfill.resume_on_start:
            return
        for guild_id in await self.moderation.unfinished_backfills():
            guild = self.bot.get_guild(guild_id)
            if guild is None or guild_id in self.backfills:
                continue
            detail = await self.moderation.latest_audit_detail(guild_id, AuditAction.BACKFILL_STARTED)
            if detail is None:
                continue
            log.info("event=backfill_resuming guild_id=%s", guild_id)
            self.start_backfill(guild, Window.from_detail(detail), None)

    async def cog_unload(self) -> None:
        for job in list(self.backfills.values()):
            job.cancel.set()


class BackfillJob:
    """One guild's running backfill: the engine, its progress message and its Cancel button."""

    def __init__(self, cog: Moderation, guild: discord.Guild, window: Window,
                 interaction: discord.Interaction[Any] | None) -> None:
        self.cog = cog
        self.guild = guild
        self.window = window
        self.interaction = interaction
        self.cancel = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.started = time.monotonic()

    async def run(self) -> None:
        bot = self.cog.bot
        try:
            await bot.batcher.flush()  # what live ingestion already holds goes first
            settings = await bot.settings_for(self.guild.id)
            channels = list(self.guild.text_channels)
            assert bot.user is not None
            engine = Backfiller(bot.store, self.cog.moderation, bot.user, settings, bot.now)
            result = await engine.run(self.guild.id, channels, self.window, on_progress=self._progress,
                                      cancel=self.cancel)
            await self._finish(result)
        except Exception:
            log.exception("event=backfill_failed guild_id=%s", self.guild.id)
            await self._edit("Backfill stopped by an error on my side; it has been logged. Run `/quidpro backfill`"
                             " again to resume from where it stopped.", done=True)
        finally:
            self.cog.backfills.pop(self.guild.id, None)

    async def _progress(self, progress: Progress, elapsed: float) -> None:
        await self._edit(progress_text.describe(progress, elapsed), done=False)

    async def _finish(self, result: BackfillResult) -> None:
        elapsed = time.monotonic() - self.started
        state = "cancelled (run it again to resume)" if result.cancelled else "finished"
        skipped = f" {len(result.channels_skipped)} channels could not be read." if result.channels_skipped else ""
        text = (f"Backfill {state}: {result.messages_read:,} messages read, {result.events_written:,} interactions"
                f" recorded in {elapsed:.0f} s.{skipped}")
        log.info("event=backfill_%s guild_id=%s messages=%d events=%d seconds=%.1f",
                 "cancelled" if result.cancelled else "finished", self.guild.id, result.messages_read,
                 result.events_written, elapsed)
        await self._edit(text, done=True)
        self.cog.bot.dispatch("moderator_alert", ModeratorAlert(self.guild.id, text))

    async def _edit(self, text: str, *, done: bool) -> None:
        if self.interaction is None or time.monotonic() - self.started > TOKEN_LIFETIME_SECONDS:
            return
        try:
            await self.interaction.edit_original_response(content=_clip(text),
                                                          view=None if done else cancel_view(self.guild.id))
        except discord.HTTPException as error:
            log.warning("event=backfill_progress_edit_failed guild_id=%s status=%s", self.guild.id, error.status)


class CancelBackfill(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
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
        job = cog.backfills.get(self.guild_id) if isinstance(cog, Moderation) else None
        if self.guild_id != interaction.guild_id or job is None:
            await interaction.response.send_message("No backfill is running here.", ephemeral=True)
            return
        job.cancel.set()
        log.info("event=backfill_cancel_requested guild_id=%s user_id=%s", self.guild_id, interaction.user.id)
        await interaction.response.edit_message(content="Cancelling the backfill after the current page…", view=None)


def cancel_view(guild_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CancelBackfill(guild_id))
    return view


async def guild_stats(moderation: ModerationStore, guild_id: int, now: Any, days: int) -> stats_core.Stats:
    since = now - timedelta(days=days)
    rows = await moderation.demand_rows(guild_id, since)
    accepted = await moderation.accepted_connections(guild_id, since)
    return stats_core.compute(rows, accepted, today=now.date(), days=days)


def _choices(keys: list[str], typed: str) -> list[app_commands.Choice[str]]:
    typed = typed.strip().lower()
    matches = [key for key in keys if key.lower().startswith(typed)] + [
        key for key in keys if typed in key.lower() and not key.lower().startswith(typed)]
    return [app_commands.Choice(name=key, value=key) for key in matches[:25]]


async def setup(bot: QuidProNo) -> None:
    bot.add_dynamic_items(CancelBackfill)
    await bot.add_cog(Moderation(bot))
