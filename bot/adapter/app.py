"""The bot: a sharding-ready discord.py client holding settings, storage and the write path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pkgutil
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
from discord.ext import commands, tasks

from bot.adapter import exts
from bot.adapter.cluster import pace_identify, sync_commands_once
from bot.adapter.errors import handler_failed, on_app_command_error
from bot.adapter.events import ModeratorAlert
from bot.adapter.metrics import BotMetrics
from bot.adapter.payloads import guard_parsers
from bot.config import Ignored, tolerant_overrides
from bot.core.catchup import Handover
from bot.core.ingest import ConversationTracker
from bot.core.settings import Settings
from bot.health import write_heartbeat
from bot.storage import EventBatcher, Store
from bot.storage.coordination import Coordinator

log = logging.getLogger(__name__)

# Replies may ping the person they answer, never everyone, roles or bystanders.
HANDLER_GRACE_SECONDS = 10.0  # on stop, how long handlers already running may take to finish

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


def _metrics(settings: Settings) -> BotMetrics | None:
    return BotMetrics(settings.metrics) if settings.metrics.enabled else None


class QuidProNo(commands.AutoShardedBot):
    def __init__(self, settings: Settings, store: Store, *, shard_count: int | None = None,
                 shard_ids: Sequence[int] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__(
            command_prefix=(),  # no text commands: slash commands only (see on_message)
            help_command=None,
            intents=intents_for(settings),
            allowed_mentions=ALLOWED_MENTIONS,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            shard_count=shard_count,
            # discord.py takes None for "every shard" though its stubs say list[int]
            shard_ids=list(shard_ids) if shard_ids is not None else None,  # type: ignore[arg-type]
            guild_ready_timeout=settings.discord.guild_ready_timeout,
            # discord.py takes None (its default: no trace) though its stubs say TraceConfig
            http_trace=metrics.trace() if (metrics := _metrics(settings)) else None,  # type: ignore[arg-type]
        )
        guard_parsers(self._connection.parsers)  # a payload discord.py cannot parse is skipped, not fatal
        self.settings = settings
        self.store = store
        self._clock = clock
        self.batcher = EventBatcher(store, settings.ingest.batch_size, settings.ingest.flush_interval_seconds,
                                    settings.ingest.max_pending, max_backoff=settings.ingest.retry_max_seconds,
                                    max_parked=settings.ingest.max_parked)
        self.batcher.on_health = self._database_health
        self.metrics = metrics
        if metrics is not None:
            metrics.watch(self)
        self.conversations = ConversationTracker(timedelta(minutes=settings.ingest.conversation_gap_minutes))
        self.handover = Handover()  # after a gap: which messages catch-up handles and which live delivery does
        self._event_seen = asyncio.Event()
        self._guild_settings: dict[int, Settings] = {}
        self.coordinator = Coordinator(store.engine)
        self._max_concurrency = 1
        self._listening = contextlib.AsyncExitStack()
        self._reloads: set[asyncio.Task[Settings]] = set()
        self._settings_versions: dict[int, datetime | None] = {}
        self._ignored_told: set[tuple[int, str]] = set()

    async def settings_for(self, guild_id: int) -> Settings:
        """config.yaml with the guild's own overrides on top; cached until they change (here, on the dashboard
        or in another process: the stored version says so) or `forget_settings` drops them."""
        version = await self.store.settings_version(guild_id)
        if self._settings_versions.get(guild_id) != version:
            self._guild_settings.pop(guild_id, None)
        settings = self._guild_settings.get(guild_id)
        if settings is None:
            self._settings_versions[guild_id] = version
            settings, ignored = tolerant_overrides(self.settings, await self.store.guild_overrides(guild_id))
            self._guild_settings[guild_id] = settings
            self._tell_ignored(guild_id, ignored)
        return settings

    def _tell_ignored(self, guild_id: int, ignored: list[Ignored]) -> None:
        """Stored overrides this version rejects (config.yaml or the bot changed under them): the moderators
        hear once per key per process start which one is ignored and why; the others stay in force."""
        for key, reason in ((item.key, item.reason) for item in ignored):
            if (guild_id, key) in self._ignored_told:
                continue
            self._ignored_told.add((guild_id, key))
            log.warning("event=guild_override_ignored guild_id=%s key=%s reason=%r", guild_id, key, reason)
            self.dispatch("moderator_alert", ModeratorAlert(
                guild_id, f"A stored setting of this server is ignored: `{key}`: {reason}. The other settings are "
                          "in force. Set it again with /quidpro policy set, or drop it with /quidpro policy reset."))

    def settings_now(self, guild_id: int) -> Settings:
        """Without waiting: the guild's settings once loaded (they are, from when the guild is available).

        Ingestion must not await before it has seen a message, or messages would be handled out of order.
        """
        return self._guild_settings.get(guild_id, self.settings)

    def forget_settings(self, guild_id: int) -> None:
        self._guild_settings.pop(guild_id, None)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.settings_for(guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.settings_for(guild.id)

    def now(self) -> datetime:
        """The time every decision and record uses (the clock is injectable, so tests need not sleep)."""
        return self._clock()

    async def setup_hook(self) -> None:
        self.tree.on_error = on_app_command_error  # type: ignore[method-assign]
        if self.metrics is not None:
            await self.metrics.serve()
        self.batcher.start()
        self.heartbeat.start()
        for module in pkgutil.iter_modules(exts.__path__, f"{exts.__name__}."):
            if not module.name.rsplit(".", 1)[-1].startswith("_"):
                await self.load_extension(module.name)
        self._max_concurrency = (await self.fetch_session_start_limits()).max_concurrency
        await self._listening.enter_async_context(self.coordinator.guild_changes(self._guild_changed,
                                                                                 self._reload_all_settings))
        await sync_commands_once(self)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Discord's IDENTIFY spacing per bucket, kept across every process of the bot."""
        await pace_identify(self.coordinator, shard_id or 0, self._max_concurrency,
                            self.settings.discord.identify_spacing_seconds)

    def _guild_changed(self, guild_id: int) -> None:
        """Another process (the CLI, the dashboard, another bot process) changed this guild's settings."""
        if guild_id in self._guild_settings:
            self.forget_settings(guild_id)
            task = asyncio.create_task(self.settings_for(guild_id), name=f"reload-settings-{guild_id}")
            self._reloads.add(task)
            task.add_done_callback(self._reloads.discard)
            log.info("event=guild_settings_reloaded guild_id=%s", guild_id)

    def _reload_all_settings(self) -> None:
        """Changes made while this process was not listening went unheard: reload every guild it holds."""
        for guild_id in list(self._guild_settings):
            self._guild_changed(guild_id)

    @tasks.loop(seconds=30)
    async def heartbeat(self) -> None:
        """Fresh while connected; it says unhealthy while the database is away (the container health check)."""
        self._beat()

    def _beat(self) -> None:
        if self.is_ready() and not self.is_closed():
            problem = self.batcher.problem
            write_heartbeat(Path(self.settings.health.heartbeat_file), self.now(), guilds=len(self.guilds),
                            latency_ms=round(self.latency * 1000), healthy=problem is None, problem=problem)

    def _database_health(self, problem: str | None) -> None:
        """An outage began (`problem`) or ended (None): the heartbeat says so at once, not at its next beat."""
        self._beat()
        self.dispatch("database_health", problem)

    async def on_message(self, message: discord.Message, /) -> None:
        """Messages are the cogs' business; there are no text commands to process."""

    async def on_ready(self) -> None:
        log.info("event=ready user_id=%s guilds=%d", self.user and self.user.id, len(self.guilds))

    async def on_error(self, event_method: str, /, *args: object, **kwargs: object) -> None:
        # One failing handler must never stop the bot: log with context (ids, never text) and carry on.
        handler_failed(event_method, args)

    async def _finish_handlers(self) -> None:
        """A demand claimed by a handler still running must get its reply before the HTTP session closes
        (in a handover the other process has already stood down for it): close the gateway, then wait."""
        for shard in self.shards.values():
            await shard.disconnect()
        current = asyncio.current_task()
        running = [task for task in asyncio.all_tasks()
                   if task is not current and not task.done() and task.get_name().startswith("discord.py: on_")]
        if running:
            _, late = await asyncio.wait(running, timeout=HANDLER_GRACE_SECONDS)
            log.info("event=handlers_finished count=%d unfinished=%d", len(running) - len(late), len(late))

    async def on_socket_event_type(self, _event_type: str) -> None:
        self._event_seen.set()

    async def drain(self, quiet: float = 0.2) -> None:
        """Before a planned stop, read what the gateway already sent until it has been quiet a moment."""
        deadline = time.monotonic() + self.settings.discord.shutdown_drain_seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self._event_seen.clear()
            try:
                await asyncio.wait_for(self._event_seen.wait(), timeout=min(quiet, remaining))
            except TimeoutError:
                return

    async def close(self) -> None:
        """Stop receiving first, let running handlers finish, then write every event already received."""
        self.heartbeat.cancel()
        await self._finish_handlers()
        await super().close()
        await self._listening.aclose()
        await self.batcher.close()
        if self.metrics is not None:
            await self.metrics.close()
        log.info("event=stopped pending=%d", self.batcher.pending)
