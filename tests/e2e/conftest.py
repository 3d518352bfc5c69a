"""End to end: the real bot (`quidprono run` as a subprocess) against the local Discord stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.adapter.app import QuidProNo
from bot.core.settings import Settings
from bot.storage import Store, make_engine
from standin import Channel, Guild, Member, Message, StandIn
from standin.harness import running_client
from tests.clock import Clock
from tests.conftest import migrated_sqlite, reused_or_migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]
# Quick, test-friendly timings; everything else is config.yaml's defaults.
# (A restarted test bot need not wait out Discord's 5 s IDENTIFY spacing: the stand-in only records it.)
FAST: dict[str, dict[str, Any]] = {"discord": {"guild_ready_timeout": 0.1, "identify_spacing_seconds": 0},
                                   "ingest": {"flush_interval_seconds": 0.2}}


@dataclass
class World:
    """A small scripted server: Alice and Bob have talked for days, Carol and Dave are new."""

    standin: StandIn
    guild: Guild
    general: Channel
    art: Channel
    alice: Member
    bob: Member
    carol: Member
    dave: Member

    @property
    def bot_mention(self) -> str:
        return f"<@{self.standin.bot.id}>"


def build_world(standin: StandIn) -> World:
    guild = standin.add_guild("Makers")
    general = standin.add_channel(guild, "general")
    art = standin.add_channel(guild, "art")
    members = [standin.add_member(guild, name) for name in ("alice", "bob", "carol", "dave")]
    return World(standin, guild, general, art, *members)


async def script_alice_and_bob(world: World) -> None:
    """Over five days Alice and Bob reply to each other in #art and react to each other's posts."""
    start = datetime.now(UTC) - timedelta(days=5)
    previous: Message | None = None
    for turn in range(10):
        author = world.alice if turn % 2 == 0 else world.bob
        at = start + timedelta(hours=12 * turn)
        message = await world.standin.send_message(world.art, author, "", reply_to=previous, timestamp=at)
        if previous is not None:
            await world.standin.add_reaction(previous, author, "👍")
        previous = message


class BotProcess:
    """`quidprono run` in a subprocess, pointed at the stand-in, with its own database and config."""

    def __init__(self, standin: StandIn, workdir: Path, config: dict[str, dict[str, Any]]) -> None:
        self.standin = standin
        self.workdir = workdir
        self.database_url = migrated_sqlite(workdir, "bot.db")
        self.config_path = workdir / "config.yaml"
        self.write_config(**config)
        self.log_path = workdir / "bot.log"
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    def write_config(self, **sections: dict[str, Any]) -> None:
        """The fast test settings, with `sections` overriding them key by key."""
        config = {name: dict(values) for name, values in FAST.items()}
        for name, values in sections.items():
            config.setdefault(name, {}).update(values)
        self.config_path.write_text(yaml.safe_dump(config))

    async def start(self, timeout: float = 30.0) -> None:
        env = {**os.environ, **self.standin.env(), "DISCORD_TOKEN": self.standin.token,
               "DATABASE_URL": self.database_url, "QUIDPRONO_CONFIG": str(self.config_path)}
        mark, ready_logged = self.standin.mark(), self.log().count("event=ready ")
        with self.log_path.open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self.workdir, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        self.starts += 1
        # Ready means: connected, and the slash commands synced (the last step of its setup).
        await self.standin.wait_for("PUT", r"/applications/\d+/commands", since=mark, timeout=timeout)
        await self.standin.wait_for_ready(timeout=timeout)
        # on_ready follows guild_ready_timeout later: its log line is the signal (a file, so polled).
        async with asyncio.timeout(timeout):
            while self.log().count("event=ready ") == ready_logged:  # noqa: ASYNC110
                await asyncio.sleep(0.02)

    async def stop(self, timeout: float = 20.0) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.exited(timeout)

    async def exited(self, timeout: float = 20.0) -> int:
        """The exit code, once the process ends by itself (a second SIGTERM could kill it while it exits)."""
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    @contextlib.asynccontextmanager
    async def store(self) -> AsyncIterator[Store]:
        store = Store(make_engine(self.database_url))
        try:
            yield store
        finally:
            await store.close()


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with StandIn() as standin:
        yield build_world(standin)


@pytest.fixture
async def bot_process(world: World, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(world.standin, tmp_path, {})
    yield process
    if process.process is not None and process.process.returncode is None:
        with contextlib.suppress(TimeoutError):
            await process.stop()
        if process.process.returncode is None:
            process.process.kill()


@contextlib.asynccontextmanager
async def inprocess_bot(world: World, tmp_path: Path, clock: Clock | None = None,
                        **sections: dict[str, Any]) -> AsyncIterator[QuidProNo]:
    """The real bot in the test's own event loop, with fast settings and `sections` on top. Its database,
    `tmp_path/bot.db`, is a copy of the migrated template, or what an earlier bot there left."""
    async with inprocess_bot_on(reused_or_migrated_sqlite(tmp_path / "bot.db"), world, tmp_path, clock,
                                **sections) as client:
        yield client


@contextlib.asynccontextmanager
async def inprocess_bot_on(url: str, world: World, tmp_path: Path, clock: Clock | None = None,
                           **sections: dict[str, Any]) -> AsyncIterator[QuidProNo]:
    """`inprocess_bot` on the database at `url`."""
    config: dict[str, dict[str, Any]] = {
        "discord": {"guild_ready_timeout": 0.1, "identify_spacing_seconds": 0},
        "ingest": {"flush_interval_seconds": 0.05},
        "health": {"heartbeat_file": str(tmp_path / "heartbeat.json")}}  # not in the checkout
    for name, values in sections.items():  # key by key: a section given keeps the other fast settings
        config[name] = {**config.get(name, {}), **values}
    store = Store(make_engine(url))
    client = QuidProNo(Settings.model_validate(config), store, shard_count=1, clock=(clock or Clock()).now)
    try:
        async with running_client(world.standin, client):
            yield client
    finally:
        await store.close()


class BotRunner:
    """The real bot in-process, started, stopped and restarted at will over one database and one clock."""

    def __init__(self, world: World, workdir: Path) -> None:
        self.world = world
        self.workdir = workdir
        self.clock = Clock()
        self.sections: dict[str, dict[str, Any]] = {}
        self._running: contextlib.AsyncExitStack | None = None
        self.client: QuidProNo | None = None

    def configure(self, **sections: dict[str, Any]) -> None:
        """Settings for the next start, on top of the fast test settings."""
        self.sections = sections

    async def start(self) -> QuidProNo:
        assert self._running is None, "already running"
        self._running = contextlib.AsyncExitStack()
        self.client = await self._running.enter_async_context(
            inprocess_bot(self.world, self.workdir, self.clock, **self.sections))
        return self.client

    async def stop(self) -> None:
        if self._running is not None:
            running, self._running = self._running, None
            await running.aclose()

    async def restart(self) -> QuidProNo:
        await self.stop()
        return await self.start()

    @property
    def bot(self) -> QuidProNo:
        assert self.client is not None, "not started"
        return self.client


HANDLER_TASKS = ("discord.py: ", "CommandTree-invoker", "discord-ui-view-dispatch-")


async def settle(world: World, timeout: float = 10.0) -> None:
    """The positive signal that an in-process bot is done with everything the stand-in sent so far:
    an /about sent after it is answered (the gateway delivers in order, so all before it was dispatched),
    then every event handler discord.py started has finished (and the handlers those started)."""
    about = await world.standin.slash_command(world.general, world.alice, "about")
    await about.wait_response(timeout)
    me = asyncio.current_task()
    async with asyncio.timeout(timeout):
        while pending := [task for task in asyncio.all_tasks() if task is not me and not task.done()
                          and task.get_name().startswith(HANDLER_TASKS)]:
            await asyncio.wait(pending)


@pytest.fixture
def clock() -> Clock:
    """The `bot` fixture's clock: move it on instead of sleeping."""
    return Clock()


@pytest.fixture
async def bot(world: World, tmp_path: Path, clock: Clock) -> AsyncIterator[QuidProNo]:
    async with inprocess_bot(world, tmp_path, clock) as client:
        yield client


@pytest.fixture
async def runner(world: World, tmp_path: Path) -> AsyncIterator[BotRunner]:
    """A bot not yet started: `configure` it, then `start` (and `restart`) it."""
    bot_runner = BotRunner(world, tmp_path)
    yield bot_runner
    await bot_runner.stop()
