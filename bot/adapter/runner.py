"""Starting and stopping the bot: signals, the local stand-in switch, a clean flush on the way out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import discord
import yarl

from bot import logs
from bot.adapter.app import QuidProNo
from bot.cluster import ClusterPlan
from bot.config import Environment
from bot.core.settings import Settings
from bot.storage import Store, make_engine
from bot.storage.db import redact

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_BAD_TOKEN = 0, 1, 2


def point_discord_at(env: Environment) -> None:
    """Send REST and the gateway to another server (a local Discord stand-in); discord.py has no option."""
    if env.api_base:
        discord.http.Route.BASE = env.api_base.rstrip("/")
    if env.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(env.gateway_url)


@dataclass(frozen=True)
class Companion:
    """Something an entry point runs beside the bot, on its loop and for its lifetime (the web dashboard)."""

    run: Callable[[QuidProNo], contextlib.AbstractAsyncContextManager[object]]
    secrets: Sequence[str] = ()  # what its logs must never show


def run_bot(env: Environment, settings: Settings, plan: ClusterPlan, migrated: Sequence[str] = (),
            companion: Companion | None = None) -> int:
    assert env.token is not None
    secrets = [env.token.get_secret_value(), *(companion.secrets if companion else ())]
    logs.configure(settings.logging.format, settings.logging.level, secrets=secrets)
    if migrated:
        log.info("event=migrated revisions=%s", ",".join(migrated))
    point_discord_at(env)
    return asyncio.run(_serve(env, settings, plan, companion))


async def _serve(env: Environment, settings: Settings, plan: ClusterPlan, companion: Companion | None) -> int:
    assert env.token is not None
    store = Store(make_engine(env.database_url))
    # Without a shard count discord.py asks GET /gateway/bot how many shards to run (the stand-in answers too).
    bot = QuidProNo(settings, store, shard_count=plan.shard_count, shard_ids=plan.shard_ids)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("event=starting database=%s shards=%r", redact(env.database_url), plan.describe())
    running = asyncio.create_task(bot.start(env.token.get_secret_value()), name="bot")
    stopping = asyncio.create_task(stop.wait(), name="stop-signal")
    try:
        async with contextlib.AsyncExitStack() as beside:
            if companion is not None:
                await beside.enter_async_context(companion.run(bot))
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if stop.is_set() and not running.done():
            await bot.drain()  # events sent before the signal are on the wire: record them too
        await bot.close()  # stops the gateway, then writes every event already received
        await store.close()
    return _exit_code(running)


def _exit_code(running: asyncio.Task[None]) -> int:
    if not running.done():
        running.cancel()
        return EXIT_OK
    with contextlib.suppress(asyncio.CancelledError):
        error = running.exception()
        if isinstance(error, discord.LoginFailure):
            log.error("event=login_failed reason=%s", "Discord rejected DISCORD_TOKEN; create a new one")
            return EXIT_BAD_TOKEN
        if error is not None:
            log.error("event=crashed error=%r", error)
            return EXIT_FAILED
    return EXIT_OK
