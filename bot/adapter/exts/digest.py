"""The quiet-connections digest: opt in, get a private list of connections gone quiet, unfollow silently."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Literal, cast

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.adapter.errors import GuardedItem
from bot.core.quiet import MAX_LISTED, ConnectionHealth, DigestEvery, assess, digest_due, gone_quiet, render_digest
from bot.storage.quiet import DigestSubscription

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
DIGEST_SWEEP_MINUTES = 30


async def quiet_connections(bot: QuidProNo, guild_id: int, user_id: int) -> list[ConnectionHealth]:
    """All of a member's connections, quietest first, scored with the server's weights and half-life."""
    policy = (await bot.settings_for(guild_id)).policy
    await bot.batcher.flush_guild(guild_id)  # count what was said a moment ago
    histories = await bot.store.quiet.histories(guild_id, user_id)
    return assess(histories, user_id, policy.weights, policy.half_life_days, bot.now())


async def digest_view(bot: QuidProNo, guild_id: int, owner_id: int,
                      quiet: list[ConnectionHealth]) -> discord.ui.View | None:
    if not quiet:
        return None
    names = await display_names(bot, guild_id, [health.partner_id for health in quiet])
    view = discord.ui.View(timeout=None)
    for number, health in enumerate(quiet[:MAX_LISTED], start=1):
        view.add_item(UnfollowButton(guild_id, owner_id, health.partner_id,
                                     names.get(health.partner_id, f"#{number}")))
    return view


async def display_names(bot: QuidProNo, guild_id: int, ids: list[int]) -> dict[int, str]:
    """Button labels cannot render mentions: the member's name, else the line's number."""
    guild = bot.get_guild(guild_id)
    names = {}
    for user_id in ids[:MAX_LISTED]:
        member = guild.get_member(user_id) if guild else None
        if member is None and guild is not None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.HTTPException:
                continue  # left the server, or unknown: the numbered label stays
        if member is not None:
            names[user_id] = member.display_name[:60]
    return names


@app_commands.guild_only()
class Digest(commands.GroupCog, group_name="digest", group_description="Connections that have gone quiet"):
    def __init__(self, bot: QuidProNo) -> None:
        super().__init__()
        self.bot = bot

    async def cog_load(self) -> None:
        self.sweep.start()

    async def cog_unload(self) -> None:
        self.sweep.cancel()

    @app_commands.command(name="subscribe", description="A private digest of connections gone quiet, by DM")
    @app_commands.describe(every="How often", quiet_days="Quiet for how many days counts as gone quiet")
    async def subscribe(self, interaction: discord.Interaction[Any], every: Literal["weekly", "monthly"],
                        quiet_days: app_commands.Range[int, 1, 365] = 30) -> None:
        guild_id = cast(int, interaction.guild_id)
        await self.bot.store.quiet.subscribe(guild_id, interaction.user.id, DigestEvery(every), quiet_days,
                                             self.bot.now())
        await interaction.response.send_message(
            f"Subscribed: a {every} DM listing your connections here with no engagement for {quiet_days} days, "
            "each with a silent unfollow button. `/digest show` gives it now; `/digest stop` ends it.",
            ephemeral=True)

    @app_commands.command(name="stop", description="No more quiet-connections digests")
    async def stop(self, interaction: discord.Interaction[Any]) -> None:
        await self.bot.store.quiet.subscribe(cast(int, interaction.guild_id), interaction.user.id, None, 0,
                                             self.bot.now())
        await interaction.response.send_message("Done: no more digests from this server.", ephemeral=True)

    @app_commands.command(name="show", description="Your connections gone quiet, now and privately")
    @app_commands.describe(quiet_days="Quiet for how many days (default: your digest's, else 30)")
    async def show(self, interaction: discord.Interaction[Any],
                   quiet_days: app_commands.Range[int, 1, 365] | None = None) -> None:
        guild_id, user_id = cast(int, interaction.guild_id), interaction.user.id
        if quiet_days is None:
            subscription = await self.bot.store.quiet.subscription(guild_id, user_id)
            quiet_days = subscription.quiet_days if subscription else 30
        quiet = gone_quiet(await quiet_connections(self.bot, guild_id, user_id), quiet_days, self.bot.now())
        text = render_digest(quiet, quiet_days, self.bot.now())
        view = await digest_view(self.bot, guild_id, user_id, quiet)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS,
                                                view=view or discord.utils.MISSING)

    @tasks.loop(minutes=DIGEST_SWEEP_MINUTES)
    async def sweep(self) -> None:
        try:
            await self.send_due_digests()
        except Exception:  # retried on the next tick; it must not end the loop
            log.exception("event=digest_sweep_failed")

    async def send_due_digests(self) -> int:
        """Send every digest that is due, once across a cluster: the lock and the sent mark make it so."""
        sent = 0
        async with self.bot.coordinator.lock("digests"):
            for subscription in await self.bot.store.quiet.subscriptions():
                if digest_due(subscription.every, subscription.last_sent, self.bot.now()):
                    await self.bot.store.quiet.mark_sent(subscription.guild_id, subscription.user_id, self.bot.now())
                    sent += await self._send(subscription)
        log.info("event=digests_sent count=%d", sent)
        return sent

    async def _send(self, subscription: DigestSubscription) -> int:
        guild_id, user_id = subscription.guild_id, subscription.user_id
        quiet = gone_quiet(await quiet_connections(self.bot, guild_id, user_id), subscription.quiet_days,
                           self.bot.now())
        if not quiet:
            return 0  # nothing gone quiet: no message at all
        guild = self.bot.get_guild(guild_id)
        text = f"From **{guild.name if guild else 'a server'}**: " + render_digest(quiet, subscription.quiet_days,
                                                                                  self.bot.now())
        view = await digest_view(self.bot, guild_id, user_id, quiet)
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(text, allowed_mentions=NO_PINGS, view=view or discord.utils.MISSING)
        except discord.HTTPException as error:  # DMs closed: /digest show still works
            log.warning("event=digest_not_sent guild_id=%s status=%s", guild_id, error.status)
            return 0
        return 1


class UnfollowButton(GuardedItem, discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
                     template=r"qpn:unfollow:(?P<guild>[0-9]{1,20}):(?P<owner>[0-9]{1,20}):(?P<partner>[0-9]{1,20})"):
    """Unfollow one quiet connection. Silent: only the owner is answered; the other member is never told."""

    def __init__(self, guild_id: int, owner_id: int, partner_id: int, name: str = "") -> None:
        super().__init__(discord.ui.Button(
            label=f"Unfollow {name}".strip(), style=discord.ButtonStyle.secondary,
            custom_id=f"qpn:unfollow:{guild_id}:{owner_id}:{partner_id}"))
        self.guild_id, self.owner_id, self.partner_id = guild_id, owner_id, partner_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> UnfollowButton:
        return cls(int(match["guild"]), int(match["owner"]), int(match["partner"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner_id or interaction.guild_id not in (None, self.guild_id):
            await interaction.response.send_message("This digest belongs to someone else.", ephemeral=True)
            return
        bot = cast("QuidProNo", interaction.client)
        gone = await bot.store.follows.unfollow(self.guild_id, self.owner_id, self.partner_id)
        log.info("event=quiet_unfollow guild_id=%s", self.guild_id)
        await interaction.response.send_message(
            f"You no longer follow <@{self.partner_id}>. They are not told." if gone
            else f"You weren't following <@{self.partner_id}> any more.", ephemeral=True, allowed_mentions=NO_PINGS)


async def setup(bot: QuidProNo) -> None:
    bot.add_dynamic_items(UnfollowButton)
    await bot.add_cog(Digest(bot))
