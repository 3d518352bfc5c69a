"""The moderators' audit channel: every verdict and every alert, when a channel is configured.

Under load the channel is not flooded: past `audit.digest_threshold` entries in a window of
`audit.digest_window_seconds`, entries are held and posted as one digest when the window closes
(`bot.core.digest` decides; this cog only feeds it and posts).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from bot.adapter.events import ModeratorAlert, VerdictGiven
from bot.core.digest import AuditLine, DigestBuffer

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
DIGEST_TICK_SECONDS = 0.5  # how late a digest may be after its window closes


def verdict_line(verdict: VerdictGiven) -> AuditLine:
    reasons = ", ".join(verdict.reason_codes) or "none"
    text = (f"Verdict #{verdict.demand_id}: <@{verdict.requester_id}> → <@{verdict.target_id}>: "
            f"**{verdict.outcome}** ({reasons}) {verdict.jump_url}")
    return AuditLine(text, verdict.outcome, verdict.requester_id)


class Audit(commands.Cog):
    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot
        self.digests = DigestBuffer()

    async def cog_load(self) -> None:
        self.post_digests.start()

    async def cog_unload(self) -> None:
        self.post_digests.cancel()

    @commands.Cog.listener()
    async def on_verdict(self, verdict: VerdictGiven) -> None:
        await self._offer(verdict.guild_id, verdict_line(verdict))

    @commands.Cog.listener()
    async def on_moderator_alert(self, alert: ModeratorAlert) -> None:
        await self._offer(alert.guild_id, AuditLine(alert.text))

    async def _offer(self, guild_id: int, line: AuditLine) -> None:
        # As the demand path just loaded them (checked against the stored version): no round trip a verdict.
        audit = self.bot.settings_now(guild_id).audit
        if audit.channel_id is None:
            return
        now = self.bot.now()
        ready = self.digests.offer(guild_id, line, now, threshold=audit.digest_threshold,
                                   window=timedelta(seconds=audit.digest_window_seconds))
        if ready is not None:
            await self._post(guild_id, ready.text)

    @tasks.loop(seconds=DIGEST_TICK_SECONDS)
    async def post_digests(self) -> None:
        for guild_id, text in self.digests.due(self.bot.now()).items():
            await self._post(guild_id, text)

    @post_digests.error
    async def _digest_failed(self, error: BaseException) -> None:
        # A digest that cannot be posted must not stop every later one.
        log.error("event=digest_failed error=%r", error)
        self.post_digests.restart()

    async def _post(self, guild_id: int, text: str) -> None:
        channel_id = (await self.bot.settings_for(guild_id)).audit.channel_id
        if channel_id is None:
            return
        channel = self.bot.get_channel(channel_id)
        # Never across guilds: the configured channel must belong to the guild the entry is about.
        if not isinstance(channel, discord.TextChannel | discord.Thread) or channel.guild.id != guild_id:
            log.warning("event=audit_channel_missing guild_id=%s channel_id=%s", guild_id, channel_id)
            return
        try:
            await channel.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            log.warning("event=audit_post_failed guild_id=%s status=%s", guild_id, error.status)


async def setup(bot: QuidProNo) -> None:
    await bot.add_cog(Audit(bot))
