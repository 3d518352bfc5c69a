"""/about: what the bot does, its creed, and what it stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

ABOUT = """\
**Quid Pro No** answers "follow me back" demands with an honest look at how two people actually interact.

**The creed**
- Attention is earned, not owed. A follow is not a debt, and following someone is not engaging with them.
- Value lives in interactions: replies, conversations, reactions, contributions to the community.
- "No" is said kindly, with the real reasons, privately, and with a way to earn the connection.
- A genuine connection needs consent: the person asked decides.

**What I store, per server:** who interacted with whom (reply, mention, reaction, conversation turn), \
where and when, as ids and times. Never the text of any message. Also follow-back demands with my answers, \
follows made through me, and your preferences. Mention me with a demand to try it."""


class About(commands.Cog):
    @app_commands.command(name="about", description="What Quid Pro No does, its creed, and what it stores")
    async def about(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(ABOUT, ephemeral=True)


async def setup(bot: QuidProNo) -> None:
    await bot.add_cog(About())
