"""The Discord side of `quidprono backfill` and the dashboard's backfill: REST only (no gateway), so the
terminal never touches discord.py.

The CLI hands in where Discord is and what to report; this logs in, finds the guild's readable channels and
runs the same backfill engine as `/quidpro backfill`. Discord's refusals come back as the two errors below.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import discord

from bot.adapter.backfill import (
    Backfiller,
    BackfillResult,
    KeptRateLimited,
    ProgressCallback,
    Window,
    prepare,
    readable_text_channels,
)
from bot.adapter.runner import point_discord_at
from bot.config import Environment
from bot.core.settings import Settings
from bot.storage import Store
from bot.storage.leases import BackfillLeases, Holder, holder_name
from bot.storage.moderation import ModerationStore

__all__ = ["BackfillHeld", "GuildUnreachable", "KeptRateLimited", "TokenRejected", "backfill_from_terminal"]


class TokenRejected(Exception):
    """Discord refused DISCORD_TOKEN."""


class GuildUnreachable(Exception):
    """The bot is not a member of the guild, or may not see it."""


class BackfillHeld(Exception):
    """Another backfill of the guild runs (the bot, another terminal, the dashboard): one at a time."""

    def __init__(self, guild_id: int, holder: Holder) -> None:
        super().__init__(f"guild {guild_id} is already being backfilled by {holder.describe()}. Only one backfill"
                         " runs per server: wait for it to finish (this resumes where it got to), or cancel it first.")
        self.holder = holder


async def backfill_from_terminal(env: Environment, store: Store, settings: Settings, guild_id: int, days: int, *,
                                 actor_id: int, on_resume: Callable[[Window], None],
                                 on_progress: ProgressCallback, cancel: asyncio.Event | None = None) -> BackfillResult:
    assert env.token is not None
    logging.getLogger("discord").setLevel(logging.WARNING)
    point_discord_at(env)
    client = discord.Client(intents=discord.Intents.none())
    try:
        try:
            await client.login(env.token.get_secret_value())
        except discord.LoginFailure:
            raise TokenRejected from None
        assert client.user is not None
        try:
            guild = await client.fetch_guild(guild_id)
            channels = readable_text_channels(await guild.fetch_channels(), await guild.fetch_member(client.user.id))
        except (discord.NotFound, discord.Forbidden):
            raise GuildUnreachable from None
        leases, holder = BackfillLeases(store.engine), holder_name("quidprono backfill in a terminal")
        if (running := await leases.acquire(guild_id, holder)) is not None:
            raise BackfillHeld(guild_id, running)
        cancel = cancel or asyncio.Event()
        keeper = asyncio.create_task(leases.keep(guild_id, holder, cancel), name=f"lease-{guild_id}")
        try:
            moderation = ModerationStore(store)
            window, resumed = await prepare(store, moderation, guild_id, channel_ids=[c.id for c in channels],
                                            days=days, actor_id=actor_id, now=datetime.now(UTC))
            if resumed:
                on_resume(window)
            engine = Backfiller(store, moderation, client.user, settings, lambda: datetime.now(UTC))
            return await engine.run(guild_id, channels, window, on_progress=on_progress, cancel=cancel)
        finally:
            keeper.cancel()
            await leases.release(guild_id, holder)
    finally:
        await client.close()
