"""The bot: a sharding-ready discord.py client holding settings, storage and the write path."""

from __future__ import annotations

import logging
import pkgutil
from datetime import UTC, datetime, timedelta

import discord
from discord.ext import commands

from bot.adapter import exts
from bot.config import Settings
from bot.core.detect import Detector, detector_for
from bot.core.ingest import ConversationTracker
from bot.storage import EventBatcher, Store

log = logging.getLogger(__name__)

# Replies may ping the person they answer, never everyone, roles or bystanders.
ALLOWED_MENTIONS = discord.AllowedMentions(everyone=False, roles=False, users=False, replied_user=True)


def intents_for(settings: Settings) -> discord.Intents:
    """Only what the features need: guilds, messages, reactions; privileged intents only when enabled."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.guild_reactions = True
    # Discord delivers the text of messages that mention the bot without this privileged intent.
    intents.message_content = settings.listen.member_mentions
    intents.members = settings.ingest.member_leave == "purge"
    return intents


class QuidProNo(commands.AutoShardedBot):
    def __init__(self, settings: Settings, store: Store, *, shard_count: int | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # no text commands: slash commands only
            help_command=None,
            intents=intents_for(settings),
            allowed_mentions=ALLOWED_MENTIONS,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            shard_count=shard_count,
        )
        self.settings = settings
        self.store = store
        self.batcher = EventBatcher(store, settings.ingest.batch_size, settings.ingest.flush_interval_seconds)
        self.conversations = ConversationTracker(timedelta(minutes=settings.ingest.conversation_gap_minutes))

    @property
    def detector(self) -> Detector:
        return detector_for(self.settings.detection)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    async def setup_hook(self) -> None:
        self.batcher.start()
        for module in pkgutil.iter_modules(exts.__path__, f"{exts.__name__}."):
            if not module.name.rsplit(".", 1)[-1].startswith("_"):
                await self.load_extension(module.name)
        await self._sync_commands()

    async def _sync_commands(self) -> None:
        guild_id = self.settings.discord.sync_guild_id
        if guild_id is None:
            synced = await self.tree.sync()
        else:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        log.info("event=commands_synced count=%d scope=%s", len(synced), guild_id or "global")

    async def on_ready(self) -> None:
        log.info("event=ready user_id=%s guilds=%d", self.user and self.user.id, len(self.guilds))

    async def on_error(self, event_method: str, /, *args: object, **kwargs: object) -> None:
        # One failing handler must never stop the bot: log with context and carry on.
        log.exception("event=handler_failed handler=%s", event_method)

    async def close(self) -> None:
        """Stop receiving first, then write every event already received."""
        await super().close()
        await self.batcher.close()
        log.info("event=stopped pending=%d", self.batcher.pending)
