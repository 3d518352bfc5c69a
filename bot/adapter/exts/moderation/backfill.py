"""/quidpro backfill: read recent history into the interaction history, with progress and Cancel."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.backfill import (
    Backfiller,
    BackfillResult,
    KeptRateLimited,
    Window,
    already_running,
    prepare,
    readable_text_channels,
)
from bot.adapter.events import ModeratorAlert
from bot.adapter.exts.moderation._views import cancel_view
from bot.adapter.permissions import clip, refuse_unless_manager
from bot.core import backfill as progress_text
from bot.core.backfill import Progress
from bot.core.model import AuditAction
from bot.storage.leases import RENEW_SECONDS, STALE_AFTER, BackfillLeases, holder_name

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo
    from bot.storage.moderation import ModerationStore

log = logging.getLogger(__name__)

# Interaction tokens last 15 minutes; stop editing the progress message a little before.
TOKEN_LIFETIME_SECONDS = 14 * 60
BOT_HOLDER = holder_name("the bot")  # how the lease names this process to a terminal or another process


class BackfillCommands(commands.Cog):
    """`/quidpro backfill` and the jobs it runs, one per guild; mixed into the `/quidpro` cog."""

    bot: QuidProNo
    moderation: ModerationStore
    backfills: dict[int, BackfillJob]
    _resuming: set[asyncio.Task[None]]

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
        holder = await BackfillLeases(self.bot.store.engine).acquire(guild.id, BOT_HOLDER)
        if holder is not None:  # the terminal, the dashboard or another process of the bot
            await interaction.response.send_message(already_running(holder), view=cancel_view(guild.id),
                                                    ephemeral=True)
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
            if guild is not None and guild_id not in self.backfills:
                self._resuming.add(asyncio.create_task(self._resume(guild), name=f"backfill-resume-{guild_id}"))

    async def _resume(self, guild: discord.Guild) -> None:
        """Resume once the lease is ours. The lease of a run this process replaces (a crash, a stop whose
        release failed) stays for STALE_AFTER: wait for it to go stale once rather than skip the resume."""
        leases = BackfillLeases(self.bot.store.engine)
        for waited in (False, True):
            if await leases.acquire(guild.id, BOT_HOLDER) is None:
                break
            if waited:
                log.info("event=backfill_resume_skipped guild_id=%s reason=held_elsewhere", guild.id)
                return
            await asyncio.sleep((STALE_AFTER + timedelta(seconds=RENEW_SECONDS)).total_seconds())
        detail = await self.moderation.latest_audit_detail(guild.id, AuditAction.BACKFILL_STARTED)
        if detail is not None and guild.id not in self.backfills:
            log.info("event=backfill_resuming guild_id=%s", guild.id)
            self.start_backfill(guild, Window.from_detail(detail), None)

    async def cog_unload(self) -> None:
        for waiting in self._resuming:
            waiting.cancel()
        for job in list(self.backfills.values()):
            job.cancel.set()


class BackfillJob:
    """One guild's running backfill: the engine, its progress message and its Cancel button."""

    def __init__(self, cog: BackfillCommands, guild: discord.Guild, window: Window,
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
        leases = BackfillLeases(bot.store.engine)
        keeper = asyncio.create_task(leases.keep(self.guild.id, BOT_HOLDER, self.cancel), name=f"lease-{self.guild.id}")
        try:
            await bot.batcher.flush_guild(self.guild.id)  # what live ingestion already holds goes first
            settings = await bot.settings_for(self.guild.id)
            channels = list(self.guild.text_channels)
            assert bot.user is not None
            engine = Backfiller(bot.store, self.cog.moderation, bot.user, settings, bot.now)
            result = await engine.run(self.guild.id, channels, self.window, on_progress=self._progress,
                                      cancel=self.cancel)
            await self._finish(result)
        except KeptRateLimited as stopped:
            log.warning("event=backfill_rate_limited_out guild_id=%s", self.guild.id)
            await self._edit(str(stopped), done=True)
        except Exception:
            log.exception("event=backfill_failed guild_id=%s", self.guild.id)
            await self._edit("Backfill stopped by an error on my side; it has been logged. Run `/quidpro backfill`"
                             " again to resume from where it stopped.", done=True)
        finally:
            keeper.cancel()
            self.cog.backfills.pop(self.guild.id, None)
            await leases.release(self.guild.id, BOT_HOLDER)

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
            await self.interaction.edit_original_response(content=clip(text),
                                                          view=None if done else cancel_view(self.guild.id))
        except discord.HTTPException as error:
            log.warning("event=backfill_progress_edit_failed guild_id=%s status=%s", self.guild.id, error.status)
