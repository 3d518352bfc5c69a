"""Several `quidprono run` processes sharing one PostgreSQL database and one sharded stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from standin import Channel, Guild, Member, Message, StandIn
from tests.conftest import _admin

# Fast timings; every demand gets a verdict of its own (no cap, no cooldown in the way).
CONFIG = {"discord": {"guild_ready_timeout": 0.1, "identify_spacing_seconds": 0.5},
          "ingest": {"flush_interval_seconds": 0.1},
          "policy": {"daily_demand_cap": 1000, "cooldown_minutes": 0}}
SPACING = 0.5


@contextlib.asynccontextmanager
async def fresh_database(postgres_url: str) -> AsyncIterator[str]:
    """An empty database of its own: the processes migrate it themselves."""
    name = f"quidprono_cluster_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Place:
    guild: Guild
    general: Channel
    alice: Member
    carol: Member


def build_places(standin: StandIn, count: int) -> list[Place]:
    """`count` guilds spread round-robin over every shard of the stand-in."""
    places = []
    for index in range(count):
        guild = standin.add_guild(f"guild-{index}", shard=index % standin.sharding.shard_count)
        general = standin.add_channel(guild, "general")
        places.append(Place(guild, general, standin.add_member(guild, "alice"), standin.add_member(guild, "carol")))
    return places


async def demand(standin: StandIn, place: Place) -> Message:
    return await standin.send_message(place.general, place.carol,
                                      f"<@{standin.bot.id}> <@{place.alice.id}> follow me back")


async def wait_for_reply(standin: StandIn, place: Place, sent: Message, timeout: float = 45) -> Message:
    return await standin.wait_for_bot_message(place.general, lambda m: m.referenced is sent, timeout=timeout)


def replies_to(standin: StandIn, sent: Message) -> list[Message]:
    return [m for m in sent.channel.messages if m.author is standin.bot and m.referenced is sent]


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll for a positive signal (a log line, a connection) until it shows."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - another process's log file has no event to await
            await asyncio.sleep(0.05)
    assert condition(), what


class Node:
    """One `quidprono run` process: its cluster slot, its log."""

    def __init__(self, standin: StandIn, workdir: Path, database_url: str, name: str, env: dict[str, str]) -> None:
        self.standin = standin
        self.name = name
        self.database_url = database_url
        self.env = env
        self.config_path = workdir / f"{name}.yaml"
        self.config_path.write_text(yaml.safe_dump(CONFIG))
        self.log_path = workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def launch(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUIDPRONO_")}
        env |= {**self.standin.env(), "DISCORD_TOKEN": self.standin.token, "DATABASE_URL": self.database_url,
                "QUIDPRONO_CONFIG": str(self.config_path), **self.env}
        with self.log_path.open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log()))

    async def wait_for_log(self, pattern: str, times: int = 1, timeout: float = 60) -> None:
        try:
            await wait_until(lambda: self.count(pattern) >= times or self.exited, f"{self.name}: {pattern}", timeout)
        except TimeoutError:
            raise AssertionError(f"{self.name}: {pattern} seen {self.count(pattern)} of {times} times in {timeout} s:"
                                 f"\n{self.log()[-4000:]}") from None
        assert not self.exited or self.count(pattern) >= times, f"{self.name} exited:\n{self.log()[-3000:]}"

    @property
    def exited(self) -> bool:
        return self.process is not None and self.process.returncode is not None

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no drain, no goodbye
        await self.process.wait()

    async def stop(self, timeout: float = 20) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def ensure_stopped(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
