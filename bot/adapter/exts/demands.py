"""Answering follow-back demands: detect, decide, reply kindly in public, explain in private."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord
from discord.ext import commands

from bot.adapter._messages import addresses_bot, replied_to_author
from bot.adapter.events import VerdictGiven
from bot.config import Settings
from bot.core.detect import Classification, detector_for
from bot.core.policy import decide
from bot.core.texts import Names, render_private, render_public
from bot.storage import StoredDemand

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)

HELP = ("Hi! I answer \"follow me back\" demands with an honest look at how you two actually interact. "
        "Mention me with a demand (\"@me follow me back\", or reply to someone's message) to try it, "
        "or use /about to learn what I do and what I store.")
NOT_YOURS = ("This explanation belongs to the person who asked. "
             "Mention me with your own demand if you'd like one of your own.")


class Demands(commands.Cog):
    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.guild is None or not message.mentions:
            return
        settings = await self.bot.settings_for(message.guild.id)
        if not addresses_bot(message, me, settings.listen.member_mentions):
            return
        classification = detector_for(settings.detection).classify(message.content)
        if classification.demand:
            for target in self._targets(message, me)[: settings.discord.max_targets]:
                await self._answer(message, target, classification, settings)
        elif self._mentions_me(message, me) and settings.discord.non_demand_mention == "help":
            await self._reply(message, HELP, None)

    @staticmethod
    def _mentions_me(message: discord.Message, me: discord.abc.User) -> bool:
        return any(user.id == me.id for user in message.mentions)

    @staticmethod
    def _targets(message: discord.Message, me: discord.abc.User) -> list[discord.abc.User]:
        """Mentioned members, then the replied-to author; the bot itself when it is the only one named."""
        candidates: list[discord.abc.User] = [user for user in message.mentions if user.id != me.id]
        replied = replied_to_author(message)
        if replied is not None and replied.id != me.id:
            candidates.append(replied)
        unique = list({user.id: user for user in candidates}.values())
        return unique or [me]

    async def _answer(self, message: discord.Message, target: discord.abc.User,
                      classification: Classification, settings: Settings) -> None:
        assert message.guild is not None and self.bot.user is not None
        guild_id, requester = message.guild.id, message.author
        policy, now = settings.policy, self.bot.now()
        await self.bot.batcher.flush()  # decide on the freshest history
        store = self.bot.store
        inputs = await store.decision_inputs(guild_id, requester.id, target.id, policy, now)
        verdict = decide(inputs.summary, policy, inputs.target_preferences, inputs.recent_demands, now,
                         target_is_bot=target.id == self.bot.user.id)
        demand_id = await store.record_demand(
            guild_id, requester.id, target.id, kind=str(classification.kind), verdict=verdict, now=now,
            channel_id=message.channel.id, message_id=message.id,
        )
        log.info("event=demand_answered guild_id=%s demand_id=%s outcome=%s", guild_id, demand_id, verdict.outcome)
        self.bot.dispatch("verdict", VerdictGiven(guild_id, demand_id, requester.id, target.id, verdict.outcome.value,
                                                  verdict.reason_codes, message.jump_url))
        text = render_public(verdict, settings.replies.templates(),
                             Names(requester=requester.mention, target=target.mention))
        await self._reply(message, text, WhyButton(demand_id))

    async def _reply(self, message: discord.Message, text: str, button: WhyButton | None) -> None:
        view = discord.ui.View(timeout=None)
        if button is not None:
            view.add_item(button)
        try:
            await message.reply(text, view=view, mention_author=True,
                                allowed_mentions=discord.AllowedMentions(users=[message.author], everyone=False,
                                                                         roles=False, replied_user=True))
        except discord.Forbidden:
            # The verdict is already recorded; a channel closed to the bot must not stop anything.
            log.warning("event=reply_forbidden guild_id=%s channel_id=%s", message.guild and message.guild.id,
                        message.channel.id)
        except discord.HTTPException as error:
            log.warning("event=reply_failed channel_id=%s status=%s", message.channel.id, error.status)


class WhyButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
                template=r"qpn:why:(?P<demand_id>[0-9]{1,20})"):
    """"Why?" under a public reply: the private explanation, for the requester only. Survives restarts
    because the demand id travels in the custom id and the explanation is rebuilt from storage."""

    def __init__(self, demand_id: int) -> None:
        super().__init__(discord.ui.Button(label="Why?", style=discord.ButtonStyle.secondary,
                                           custom_id=f"qpn:why:{demand_id}"))
        self.demand_id = demand_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> WhyButton:
        return cls(int(match["demand_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = cast("QuidProNo", interaction.client)
        demand = await bot.store.demand(self.demand_id)
        if demand is None or demand.guild_id != interaction.guild_id:
            await interaction.response.send_message("That answer is no longer stored.", ephemeral=True)
        elif demand.requester_id != interaction.user.id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        else:
            settings = await bot.settings_for(demand.guild_id)
            await interaction.response.send_message(explanation(settings, demand), ephemeral=True)


def explanation(settings: Settings, demand: StoredDemand) -> str:
    channel = demand.evidence.get("target_top_channel_id")
    names = Names(requester=f"<@{demand.requester_id}>", target=f"<@{demand.target_id}>",
                  channel=f"<#{channel}>" if channel else None)
    return render_private(demand.verdict(), settings.replies.templates(), names)


async def setup(bot: QuidProNo) -> None:
    bot.add_dynamic_items(WhyButton)
    await bot.add_cog(Demands(bot))
