"""What the processes of one bot agree on through the database: IDENTIFY pacing and one command sync.

Discord lets `max_concurrency` sessions start together, one per bucket `shard_id % max_concurrency`, each
bucket at most once every 5 seconds, counted across every process of the bot. A command sync is one PUT of
the whole tree; done once per change of the tree rather than once per process start.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.storage.coordination import Coordinator

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)


async def pace_identify(coordinator: Coordinator, shard_id: int, max_concurrency: int, spacing: float) -> None:
    """Return when this shard may IDENTIFY: its bucket's last IDENTIFY, by any process, is `spacing` s old.

    The bucket's lock is held while waiting, so the next process in line waits for this one's turn too.
    """
    bucket = f"identify:{shard_id % max(1, max_concurrency)}"
    # The mark is set just before an IDENTIFY leaves; a tenth more covers its trip to Discord.
    spacing *= 1.1
    async with coordinator.lock(bucket):
        since = await coordinator.seconds_since(bucket)
        if since is not None and since < spacing:
            log.info("event=identify_paced shard_id=%d bucket=%s wait_seconds=%.2f", shard_id, bucket, spacing - since)
            await asyncio.sleep(spacing - since)
        await coordinator.set_mark(bucket)


def tree_digest(bot: QuidProNo, guild: discord.abc.Snowflake | None) -> str:
    commands: list[dict[str, Any]] = [command.to_dict(bot.tree) for command in bot.tree.get_commands(guild=guild)]
    canonical = json.dumps(sorted(commands, key=lambda c: (c.get("type", 1), c["name"])), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def sync_commands_once(bot: QuidProNo) -> None:
    """PUT the command tree unless another process (or an earlier start) already put this very tree.

    On SQLite there is one process, which syncs on every start as before.
    """
    guild_id = bot.settings.discord.sync_guild_id
    guild = discord.Object(id=guild_id) if guild_id is not None else None
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    scope = str(guild_id or "global")
    mark = f"commands:{scope}"
    digest = tree_digest(bot, guild)
    async with bot.coordinator.lock(mark):
        if bot.coordinator.shared and await bot.coordinator.value(mark) == digest:
            log.info("event=commands_unchanged scope=%s", scope)
            return
        synced = await bot.tree.sync(guild=guild)
        await bot.coordinator.set_mark(mark, digest)
    log.info("event=commands_synced count=%d scope=%s", len(synced), scope)
