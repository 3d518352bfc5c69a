"""Serving the dashboard: `quidprono web` on its own, sharing the bot's database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot import logs
from bot.adapter.app import QuidProNo
from bot.adapter.runner import Companion
from bot.config import Environment
from bot.core.settings import Settings
from bot.storage import Store, make_engine
from bot.storage.db import redact
from bot.web.app import Dashboard, make_app
from bot.web.backfill import Backfills, rest_runner
from bot.web.config import WebConfig
from bot.web.discord_api import Access, DiscordApi, guild_channel_ids
from bot.web.security import AccessLogger

log = logging.getLogger(__name__)

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=15)


def secrets_of(config: WebConfig) -> list[str]:
    """What must never reach a log line."""
    return [config.client_secret.get_secret_value(), config.session_key.get_secret_value(),
            config.bot_token.get_secret_value() if config.bot_token else ""]


@contextlib.asynccontextmanager
async def serving(dashboard: Dashboard, host: str = "127.0.0.1", port: int = 0,
                  sock: socket.socket | None = None) -> AsyncIterator[str]:
    """The dashboard listening on host:port (0: any free port), or on a socket bound already; yields its URL."""
    runner = web.AppRunner(make_app(dashboard), access_log_class=AccessLogger, handle_signals=False,
                           shutdown_timeout=2.0)
    await runner.setup()
    try:
        site = web.SockSite(runner, sock) if sock is not None else web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        yield f"http://{bound_host if ':' not in bound_host else f'[{bound_host}]'}:{bound_port}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def standalone(env: Environment, config: WebConfig, settings: Settings,
                     store: Store) -> AsyncIterator[Dashboard]:
    """A dashboard of its own process: Discord through its REST API, the bot through the database."""
    async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as http:
        api = DiscordApi(config, http)
        dashboard = Dashboard(config, settings, store, api, Access(api),
                              guild_channels=lambda guild_id: guild_channel_ids(api, guild_id))
        if env.token is not None:
            dashboard.backfills = Backfills(rest_runner(env, dashboard))
        try:
            yield dashboard
        finally:
            if dashboard.backfills is not None:
                await dashboard.backfills.close()


def beside_the_bot(env: Environment, config: WebConfig, settings: Settings) -> Companion:
    """The dashboard inside `quidprono run` (web.enabled): the bot's own guild list, and a change drops the
    bot's cached settings at once."""

    @contextlib.asynccontextmanager
    async def run(bot: QuidProNo) -> AsyncIterator[str]:
        async with standalone(env, config, settings, bot.store) as dashboard:
            dashboard.on_settings_changed = bot.forget_settings
            dashboard.bot_user_id = lambda: bot.user.id if bot.user else 0
            dashboard.access = Access(dashboard.api, bot_guilds=lambda: {guild.id for guild in bot.guilds})
            async with serving(dashboard, settings.web.host, settings.web.port) as url:
                log.info("event=web_started url=%s public_url=%s", url, config.public_url)
                yield url

    return Companion(run, secrets_of(config))


def run_web(env: Environment, settings: Settings, config: WebConfig, host: str, port: int) -> int:
    logs.configure(settings.logging.format, settings.logging.level, secrets=secrets_of(config))
    return asyncio.run(_serve(env, settings, config, host, port))


async def _serve(env: Environment, settings: Settings, config: WebConfig, host: str, port: int) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    store = Store(make_engine(env.database_url))
    try:
        async with standalone(env, config, settings, store) as dashboard, serving(dashboard, host, port) as url:
            log.info("event=web_started url=%s public_url=%s database=%s", url, config.public_url,
                     redact(env.database_url))
            if config.session_key_generated:
                log.warning("event=web_session_key_generated note=%s", "QUIDPRONO_SESSION_KEY not set: logins"
                            " end when the dashboard restarts")
            if config.bot_token is None:
                log.warning("event=web_no_bot_token note=%s", "DISCORD_TOKEN not set: no server can be listed")
            print(f"Dashboard on {url} (public URL {config.public_url})", flush=True)
            await stop.wait()
    finally:
        await store.close()
    return 0
