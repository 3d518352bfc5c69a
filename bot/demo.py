"""`quidprono demo`: the real bot against the local Discord stand-in, a seeded community, and a web page.

No token, no network: the stand-in and the page listen on 127.0.0.1, the bot keeps its data in an SQLite file of
its own, and the community's history reaches the bot the way it would on a real server, by a backfill.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from bot import logs
from bot.adapter.app import QuidProNo
from bot.config import with_overrides
from bot.core.settings import Settings
from bot.storage import Store, make_engine
from bot.storage.migrate import upgrade
from standin import StandIn
from standin.harness import running_client
from standin.playground import Community, PlaygroundApp, Tour, seed_community

log = logging.getLogger(__name__)

DEFAULT_PORT = 8780
BACKFILL_DAYS = 30
BACKFILL_TIMEOUT = 120.0
#: Quick to start and to answer, and a small daily cap so the tour can show it.
DEMO_SETTINGS: dict[str, dict[str, Any]] = {
    "discord": {"guild_ready_timeout": 0.1, "shutdown_drain_seconds": 0.0},
    "ingest": {"flush_interval_seconds": 0.2},
    "policy": {"daily_demand_cap": 3},
    "backfill": {"progress_seconds": 0.5, "resume_on_start": False},
}


class Demo:
    """One playground session at a time: stand-in, community, bot, tour. `reset()` builds a fresh one."""

    def __init__(self, settings: Settings, data_dir: Path) -> None:
        overrides = DEMO_SETTINGS | {"health": {"heartbeat_file": str(data_dir / "heartbeat.json")}}
        self.settings = with_overrides(settings, overrides)
        self.data_dir = data_dir
        self.database = data_dir / "demo.db"
        self._template = data_dir / "empty.db"
        self._session: contextlib.AsyncExitStack | None = None
        self._community: Community | None = None
        self._tour: Tour | None = None

    @property
    def community(self) -> Community:
        assert self._community is not None, "start() first"
        return self._community

    @property
    def tour(self) -> Tour:
        assert self._tour is not None, "start() first"
        return self._tour

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._template.unlink(missing_ok=True)
        await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{self._template}")
        await self._open()

    async def reset(self) -> None:
        await self.close()
        await self._open()

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.aclose()

    async def _open(self) -> None:
        shutil.copyfile(self._template, self.database)
        stack = contextlib.AsyncExitStack()
        try:
            standin = await stack.enter_async_context(StandIn(fail_on_unknown_routes=False))
            community = seed_community(standin)
            store = Store(make_engine(f"sqlite+aiosqlite:///{self.database}"))
            stack.push_async_callback(store.close)
            client = QuidProNo(self.settings, store, shard_count=1)
            await stack.enter_async_context(running_client(standin, client, ready_timeout=30))
            await _backfill(community)
        except BaseException:
            await stack.aclose()
            raise
        self._session, self._community = stack, community
        self._tour = Tour(community, daily_cap=self.settings.policy.daily_demand_cap)


async def _backfill(community: Community) -> None:
    """The moderator runs /quidpro backfill, as on a server the bot just joined; wait for its last word."""
    standin = community.standin
    handle = await standin.slash_command(community.channels["general"], community.moderator, "quidpro backfill",
                                         {"days": BACKFILL_DAYS})
    await handle.wait_response(timeout=10)
    async with asyncio.timeout(BACKFILL_TIMEOUT):
        count = 1
        while True:
            edit = await handle.wait_edit(count, timeout=BACKFILL_TIMEOUT)
            content = str(edit.get("content") or "")
            if content.startswith("Backfill finished"):
                return
            if content.startswith(("Backfill stopped", "Backfill cancelled")):
                raise RuntimeError(f"the demo's backfill did not finish: {content}")
            count += 1


def run_demo(settings: Settings, data_dir: Path, host: str, port: int | None) -> int:
    logs.configure(settings.logging.format, "WARNING", secrets=[])
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # no voice here: its missing-library warnings
    try:
        return asyncio.run(_serve(settings, data_dir, host, port))
    except KeyboardInterrupt:
        return 130


async def _serve(settings: Settings, data_dir: Path, host: str, port: int | None) -> int:
    demo = Demo(settings, data_dir)
    print("quidprono demo: starting the Discord stand-in, seeding a community and starting the bot…",
          file=sys.stderr, flush=True)
    await demo.start()
    app = PlaygroundApp(demo)
    try:
        url = await _listen(app, host, port)
        print(url, flush=True)  # the one line on stdout: scripts and tests read it
        print("quidprono demo: open the URL above; Ctrl+C stops.", file=sys.stderr, flush=True)
        await _until_signal()
    finally:
        await app.stop()
        await demo.close()
    return 0


async def _listen(app: PlaygroundApp, host: str, port: int | None) -> str:
    if port is not None:
        return await app.start(host, port)
    try:
        return await app.start(host, DEFAULT_PORT)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(f"quidprono demo: port {DEFAULT_PORT} is taken, using a free one", file=sys.stderr, flush=True)
        return await app.start(host, 0)


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
