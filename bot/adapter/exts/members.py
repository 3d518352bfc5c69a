"""Member commands: follows and the feed, preferences, and a member's own data (see it, erase it)."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.errors import GuardedView
from bot.adapter.exts.digest import quiet_connections
from bot.core.model import Bar, ExplainVia, Preferences, RequestsFrom
from bot.core.policy import own_bar
from bot.core.quiet import describe_health

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)
FEED_PAGE = 10
CONNECTIONS_LISTED = 15  # lines that fit one message
NO_PINGS = discord.AllowedMentions.none()


def describe_preferences(preferences: Preferences) -> str:
    quota = ("no limit" if preferences.weekly_quota is None
             else "none this week" if preferences.weekly_quota == 0 else f"{preferences.weekly_quota} a week")
    return (f"Requests from: **{preferences.requests_from}**; "
            f"auto-accept genuine connections: **{'yes' if preferences.auto_accept else 'no'}**; "
            f"explanations: **{preferences.explain_via}**; your bar: **{preferences.bar}**; "
            f"new connections: **{quota}**.")


def _mentions(ids: list[int], empty: str) -> str:
    return ", ".join(f"<@{user}>" for user in ids) if ids else empty


@app_commands.guild_only()
class Members(commands.Cog):
    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot

    async def _say(self, interaction: discord.Interaction, text: str, **extra: Any) -> None:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS, **extra)

    # --- follows --------------------------------------------------------------------------------

    @app_commands.command(name="follow", description="Follow a member: their posts show in your /feed")
    async def follow(self, interaction: discord.Interaction, member: discord.Member) -> None:
        assert interaction.guild_id is not None
        if member.id == interaction.user.id or member.bot:
            await self._say(interaction, "You can follow other members, not yourself or bots.")
            return
        new = await self.bot.store.follows.follow(interaction.guild_id, interaction.user.id, member.id, "command",
                                                  self.bot.now())
        await self._say(interaction, f"You now follow {member.mention}." if new
                        else f"You already follow {member.mention}.")

    @app_commands.command(name="unfollow", description="Stop following a member")
    async def unfollow(self, interaction: discord.Interaction, member: discord.Member) -> None:
        assert interaction.guild_id is not None
        gone = await self.bot.store.follows.unfollow(interaction.guild_id, interaction.user.id, member.id)
        await self._say(interaction, f"You no longer follow {member.mention}." if gone
                        else f"You weren't following {member.mention}.")

    @app_commands.command(name="following", description="Who you follow here")
    async def following(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        ids = await self.bot.store.follows.following(interaction.guild_id, interaction.user.id)
        await self._say(interaction, "You follow: " + _mentions(ids, "nobody yet."))

    @app_commands.command(name="followers", description="Who follows you here")
    async def followers(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        ids = await self.bot.store.follows.followers(interaction.guild_id, interaction.user.id)
        await self._say(interaction, "Your followers: " + _mentions(ids, "nobody yet."))

    @app_commands.command(name="connections", description="Your connections here, with the engagement each way")
    async def connections(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        healths = await quiet_connections(self.bot, interaction.guild_id, interaction.user.id)
        if not healths:
            await self._say(interaction, "Your connections: none yet.")
            return
        now = self.bot.now()
        lines = ["**Your connections** (engagement each way since you connected, recent counting most; "
                 "quietest first):"]
        lines += [f"- {describe_health(health, now)}" for health in healths[:CONNECTIONS_LISTED]]
        if len(healths) > CONNECTIONS_LISTED:
            lines.append(f"…and {len(healths) - CONNECTIONS_LISTED} more.")
        lines.append("`/digest show` offers a silent unfollow for those gone quiet.")
        await self._say(interaction, "\n".join(lines))

    @app_commands.command(name="feed", description="Recent posts by the people you follow")
    @app_commands.describe(page="Page number, 1 is the newest")
    async def feed(self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 1000] = 1) -> None:
        guild, member = interaction.guild, interaction.user
        assert guild is not None and isinstance(member, discord.Member)
        visible = [c.id for c in guild.channels if c.permissions_for(member).read_message_history]
        visible += [t.id for t in guild.threads if t.permissions_for(member).read_message_history]
        await self.bot.batcher.flush_guild(guild.id)  # include what was posted a moment ago
        items, total = await self.bot.store.follows.feed(guild.id, member.id, visible, limit=FEED_PAGE,
                                                         offset=(page - 1) * FEED_PAGE)
        pages = max(1, -(-total // FEED_PAGE))
        if not items:
            await self._say(interaction, "Nothing here yet: /follow people whose posts you value."
                            if total == 0 else f"There are only {pages} page(s).")
            return
        lines = [f"<@{i.author_id}> in <#{i.channel_id}> <t:{int(i.created_at.timestamp())}:R>: "
                 f"https://discord.com/channels/{guild.id}/{i.channel_id}/{i.message_id}" for i in items]
        more = f"\nPage {page}/{pages}" + (f": `/feed page:{page + 1}` for older posts." if page < pages else ".")
        await self._say(interaction, "\n".join(lines) + more)

    # --- preferences ----------------------------------------------------------------------------

    @app_commands.command(name="prefs", description="Who may send you follow requests, your own bar and quota")
    @app_commands.describe(requests_from="Take follow requests from whom",
                           auto_accept="Accept genuine (mutual) connections without being asked",
                           explanations="Where your private explanations go",
                           bar="How much back-and-forth you ask for before connecting, against the server's default",
                           quota="New connections you take per week (0: none this week)",
                           no_quota="Remove your weekly quota")
    async def prefs(self, interaction: discord.Interaction, *,
                    requests_from: Literal["everyone", "engaged", "nobody"] | None = None,
                    auto_accept: bool | None = None,
                    explanations: Literal["ephemeral", "dm"] | None = None,
                    bar: Literal["stingy", "balanced", "liberal"] | None = None,
                    quota: app_commands.Range[int, 0, 1000] | None = None,
                    no_quota: bool = False) -> None:
        assert interaction.guild_id is not None
        store = self.bot.store.preferences
        current = await store.preferences(interaction.guild_id, interaction.user.id)
        policy = (await self.bot.settings_for(interaction.guild_id)).policy
        if bar is not None and own_bar(replace(current, bar=Bar(bar)), policy) is not Bar(bar):
            await self._say(interaction, "This server asks every member for at least the "
                            f"**{policy.lowest_member_bar}** bar, so **{bar}** isn't available here. "
                            f"Your bar stays **{current.bar}**.")
            return
        wanted = replace(
            current,
            requests_from=RequestsFrom(requests_from) if requests_from else current.requests_from,
            auto_accept=current.auto_accept if auto_accept is None else auto_accept,
            explain_via=ExplainVia(explanations) if explanations else current.explain_via,
            bar=Bar(bar) if bar else current.bar,
            weekly_quota=None if no_quota else current.weekly_quota if quota is None else quota)
        if wanted != current:
            await store.set_preferences(interaction.guild_id, interaction.user.id, wanted, self.bot.now())
        await self._say(interaction, ("Saved. " if wanted != current else "") + describe_preferences(wanted))

    # --- your data ------------------------------------------------------------------------------

    @app_commands.command(name="mydata", description="What I store about you in this server, with a JSON export")
    async def mydata(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await self.bot.batcher.flush_guild(interaction.guild_id)
        data = await self.bot.store.privacy.export(interaction.guild_id, interaction.user.id)
        made, received = sum(data["interactions_made"].values()), sum(data["interactions_received"].values())
        summary = (f"Interactions you made: {made}; received: {received}; posts recorded (ids only): "
                   f"{data['posts_recorded']}; following: {len(data['following'])}; followers: "
                   f"{len(data['followers'])}; demands: {len(data['demands'])}. No message text is ever stored. "
                   "The attached file has it all; /forget-me erases it.")
        export = discord.File(io.BytesIO(json.dumps(data, indent=2).encode()), filename="quidprono-mydata.json")
        await self._say(interaction, summary, file=export)

    @app_commands.command(name="forget-me", description="Erase everything I store about you in this server")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        view = ForgetConfirmation(self.bot, interaction.user.id)
        await self._say(interaction, "This erases everything I store about you in this server: interactions both "
                        "ways, follows, demands, preferences (your bar and quota), your stated terms and your digest "
                        "settings. It cannot be undone. Afterwards I keep only your id and the time of this erasure, "
                        "so that reading the channel history again never brings your data back.", view=view)


class ForgetConfirmation(GuardedView):
    def __init__(self, bot: QuidProNo, user_id: int) -> None:
        super().__init__(timeout=300)
        self.bot = bot
        self.user_id = user_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.user_id  # it is ephemeral, but never trust that alone

    @discord.ui.button(label="Erase my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button[ForgetConfirmation]) -> None:
        assert interaction.guild_id is not None
        await self.bot.batcher.flush_guild(interaction.guild_id)  # nothing pending is written after the erase
        # Message times are Discord's: the click's own time bounds the erasure even when this host's clock is slow.
        erased_at = max(self.bot.now(), interaction.created_at)
        await self.bot.store.privacy.forget(interaction.guild_id, self.user_id, erased_at)
        self.bot.conversations.forget_member(self.user_id)
        log.info("event=member_forgotten guild_id=%s", interaction.guild_id)
        await interaction.response.edit_message(content="Done: everything about you in this server is erased.",
                                                view=None)
        self.stop()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _button: discord.ui.Button[ForgetConfirmation]) -> None:
        await interaction.response.edit_message(content="Nothing was erased.", view=None)
        self.stop()


async def setup(bot: QuidProNo) -> None:
    await bot.add_cog(Members(bot))
