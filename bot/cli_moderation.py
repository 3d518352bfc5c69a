"""`quidprono stats` and `quidprono backfill`: the moderator tools in a terminal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.charts import stats_png
from bot.config import ConfigError, Environment, with_overrides
from bot.core import stats as stats_core
from bot.core.backfill import Progress, seconds_left
from bot.core.model import SpecialActor
from bot.core.settings import Settings
from bot.storage import Store, make_engine
from bot.storage.moderation import ModerationStore

if TYPE_CHECKING:
    from bot.adapter.backfill import Window

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
BAR_WIDTH = 30
TERMINAL_ACTOR = SpecialActor.TERMINAL  # the audit log's actor for work started from the terminal, not by a member


async def print_stats(env: Environment, guild_id: int, days: int, chart: Path | None, out: TextIO) -> int:
    store = Store(make_engine(env.database_url))
    try:
        moderation = ModerationStore(store)
        now = datetime.now(UTC)
        since = now - timedelta(days=days)
        rows = await moderation.demand_rows(guild_id, since)
        stats = stats_core.compute(rows, await moderation.accepted_connections(guild_id, since), today=now.date(),
                                   days=days)
    finally:
        await store.close()
    out.write(stats_core.render(stats, mention=False) + "\n")
    if chart is not None:
        png = stats_png(stats)
        await asyncio.to_thread(chart.write_bytes, png)
        out.write(f"Chart written to {chart}\n")
    return EXIT_OK


def progress_bar(progress: Progress, elapsed: float) -> str:
    fraction = progress.fraction()
    filled = round(BAR_WIDTH * fraction)
    left = seconds_left(progress, elapsed)
    eta = "--" if left is None else f"{left:.0f}s left"
    return (f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%}  {progress.channels_done}/"
            f"{len(progress.channels)} channels  {progress.messages_read:,} messages  {eta}   ")


async def run_backfill(env: Environment, base: Settings, guild_id: int, days: int | None, err: TextIO) -> int:
    """The guild's history read over REST with a progress bar; Discord is the adapter's business."""
    from bot.adapter.terminal import (
        BackfillHeld,
        GuildUnreachable,
        KeptRateLimited,
        TokenRejected,
        backfill_from_terminal,
    )

    store = Store(make_engine(env.database_url))
    try:
        settings = with_overrides(base, await store.guild_overrides(guild_id))
        days = days or settings.backfill.default_days
        if not 1 <= days <= settings.backfill.max_days:
            err.write(f"quidprono backfill: --days must be between 1 and {settings.backfill.max_days}"
                      " (backfill.max_days)\n")
            return EXIT_USAGE

        async def show(progress: Progress, elapsed: float) -> None:
            err.write(progress_bar(progress, elapsed))
            err.flush()

        def resuming(window: Window) -> None:
            err.write(f"Resuming the interrupted backfill since {window.since:%Y-%m-%d}.\n")

        result = await backfill_from_terminal(env, store, settings, guild_id, days, actor_id=TERMINAL_ACTOR,
                                              on_resume=resuming, on_progress=show)
        if result.cancelled:
            err.write(f"\nCancelled from Discord after {result.messages_read:,} messages; run this again to resume.\n")
        else:
            err.write(f"\nDone: {result.messages_read:,} messages read, {result.events_written:,} interactions"
                      " recorded.\n")
        return EXIT_FAILED if result.cancelled else EXIT_OK
    except (BackfillHeld, KeptRateLimited) as stopped:
        err.write(f"\nquidprono backfill: {stopped}\n")
        return EXIT_FAILED
    except ConfigError as error:
        err.write(f"quidprono backfill: this server's stored settings are invalid: {error}\n")
        return EXIT_FAILED
    except TokenRejected:
        err.write("quidprono backfill: Discord rejected DISCORD_TOKEN\n")
        return EXIT_USAGE
    except GuildUnreachable:
        err.write(f"quidprono backfill: the bot is not a member of guild {guild_id} (or may not see it)\n")
        return EXIT_USAGE
    finally:
        await store.close()
