"""Genuine connections need consent: the target answers "Connect" or "Not now", or auto-accepts."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import discord
from discord.ext import commands

from bot.adapter.errors import GuardedItem
from bot.adapter.events import VerdictGiven
from bot.core.model import RequestStatus

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)

ASKED = "<@{target}>, <@{requester}> would like to connect with you. Only you can answer, and there is no wrong answer."
CONNECTED = "<@{requester}> and <@{target}> are now connected."
AUTO_CONNECTED = ("<@{requester}>, <@{target}> accepts genuine connections automatically: you two are now "
                  "connected.")
NOT_NOW = "<@{target}> isn't connecting right now. No hard feelings: keep the conversation going."
NOT_NOW_PUBLIC = "Not now. Thanks for answering."
ONLY_TARGET = "Only the person who was asked can answer this."
ALREADY = "This request was already answered, or it has expired."


class Connections(commands.Cog):
    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_verdict(self, verdict: VerdictGiven) -> None:
        if verdict.outcome not in ("propose", "connect"):
            return
        store, now = self.bot.store, self.bot.now()
        preferences = await store.preferences.preferences(verdict.guild_id, verdict.target_id)
        channel = self.bot.get_channel(verdict.channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        names = {"requester": verdict.requester_id, "target": verdict.target_id}
        if verdict.outcome == "connect" and preferences.auto_accept:
            await connect(self.bot, verdict.guild_id, verdict.requester_id, verdict.target_id, via="auto_accept")
            await _send(channel, AUTO_CONNECTED.format(**names), [verdict.requester_id, verdict.target_id])
            return
        settings = await self.bot.settings_for(verdict.guild_id)
        expiry = timedelta(days=settings.connections.expire_days)
        pair = (verdict.guild_id, verdict.requester_id, verdict.target_id)
        if await store.consent.asked_recently(*pair, now, now - expiry):
            return  # one request at a time, and "not now" is respected until a request would have expired
        request_id = await store.consent.open_request(
            verdict.guild_id, verdict.requester_id, verdict.target_id, demand_id=verdict.demand_id, now=now,
            expires_at=now + expiry)
        if request_id is None:
            return  # another process (or a quicker demand) opened this pair's request a moment ago
        view = discord.ui.View(timeout=None)
        view.add_item(ConsentButton(request_id, accept=True))
        view.add_item(ConsentButton(request_id, accept=False))
        await _send(channel, ASKED.format(**names), [verdict.target_id], view)


async def connect(bot: QuidProNo, guild_id: int, requester_id: int, target_id: int, *, via: str) -> None:
    """A connection is a follow each way."""
    now = bot.now()
    await bot.store.follows.follow(guild_id, target_id, requester_id, via, now)
    await bot.store.follows.follow(guild_id, requester_id, target_id, via, now)


async def _send(channel: discord.abc.Messageable, text: str, ping: list[int],
                view: discord.ui.View | None = None) -> None:
    pings = discord.AllowedMentions(users=[discord.Object(id=user) for user in ping], everyone=False, roles=False)
    try:
        if view is None:
            await channel.send(text, allowed_mentions=pings)
        else:
            await channel.send(text, allowed_mentions=pings, view=view)
    except discord.HTTPException as error:
        log.warning("event=connection_post_failed status=%s", error.status)


class ConsentButton(GuardedItem, discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
                    template=r"qpn:consent:(?P<request_id>[0-9]{1,20}):(?P<answer>yes|no)"):
    """"Connect" / "Not now": only the target may press; survives restarts (the request id is in the custom id)."""

    def __init__(self, request_id: int, *, accept: bool) -> None:
        super().__init__(discord.ui.Button(
            label="Connect" if accept else "Not now",
            style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
            custom_id=f"qpn:consent:{request_id}:{'yes' if accept else 'no'}"))
        self.request_id = request_id
        self.accept = accept

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ConsentButton:
        return cls(int(match["request_id"]), accept=match["answer"] == "yes")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = cast("QuidProNo", interaction.client)
        store = bot.store.consent
        request = await store.request(self.request_id)
        if request is None or request.guild_id != interaction.guild_id:
            await interaction.response.send_message(ALREADY, ephemeral=True)
            return
        if interaction.user.id != request.target_id:
            await interaction.response.send_message(ONLY_TARGET, ephemeral=True)
            return
        answer = RequestStatus.ACCEPTED if self.accept else RequestStatus.DECLINED
        if not await store.settle_request(request.id, answer, bot.now()):
            await interaction.response.send_message(ALREADY, ephemeral=True)
            return
        names = {"requester": request.requester_id, "target": request.target_id}
        if self.accept:
            await connect(bot, request.guild_id, request.requester_id, request.target_id, via="consent")
            await interaction.response.edit_message(content=CONNECTED.format(**names), view=None)
            await tell(bot, interaction, request.requester_id, CONNECTED.format(**names))
        else:
            await interaction.response.edit_message(content=NOT_NOW_PUBLIC, view=None)
            await tell(bot, interaction, request.requester_id, NOT_NOW.format(**names))


async def tell(bot: QuidProNo, interaction: discord.Interaction[Any], user_id: int, text: str) -> None:
    """Privately where possible (a DM), else a short note in the channel naming only them."""
    user = bot.get_user(user_id) or await bot.fetch_user(user_id)
    try:
        await user.send(text, allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException:
        if isinstance(interaction.channel, discord.abc.Messageable):
            await _send(interaction.channel, text, [user_id])


async def setup(bot: QuidProNo) -> None:
    bot.add_dynamic_items(ConsentButton)
    await bot.add_cog(Connections(bot))
