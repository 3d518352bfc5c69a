"""Scale-out: demand + ingest throughput on PostgreSQL with one process running 4 shards, then two processes
running 2 shards each (`QUIDPRONO_CLUSTER` 0/2 and 1/2), through the sharded stand-in (issue #12).

8 guilds spread over the 4 shards, 12 members each. Each run: a warm-up demand per guild, then MESSAGES
ordinary messages (each a reply to the one before: a post and an interaction to record) and DEMANDS demands
(every requester distinct within a guild's round, no cap or cooldown in the way: each gets its own verdict),
sent as fast as the stand-in writes them, interleaved over the guilds. Throughput: messages and demands per
second from the first one sent until the database holds every post and every verdict (polled). The ratio of
the two runs is the figure (target: at least 1.8x). Env: QPN_SCALE_MESSAGES, QPN_SCALE_DEMANDS.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import yaml

from bench._bulk import asyncpg_dsn
from bench._db import fresh_postgres
from standin import Channel, Guild, Member, StandIn

SHARDS, GUILDS, MEMBERS = 4, 8, 12
MESSAGES = int(os.environ.get("QPN_SCALE_MESSAGES", "4000"))
DEMANDS = int(os.environ.get("QPN_SCALE_DEMANDS", "800"))
CONFIG = {"discord": {"guild_ready_timeout": 0.1, "identify_spacing_seconds": 0.2},
          "ingest": {"flush_interval_seconds": 0.2}, "logging": {"level": "INFO"},
          "policy": {"daily_demand_cap": 1000, "cooldown_minutes": 0}}


@dataclass
class Place:
    guild: Guild
    channel: Channel
    members: list[Member]


def build(standin: StandIn) -> list[Place]:
    places = []
    for index in range(GUILDS):
        guild = standin.add_guild(f"guild-{index}", shard=index % SHARDS)
        places.append(Place(guild, standin.add_channel(guild, "general"),
                            [standin.add_member(guild, f"m{n}") for n in range(MEMBERS)]))
    return places


async def start(standin: StandIn, workdir: Path, url: str, processes: int) -> list[asyncio.subprocess.Process]:
    config = workdir / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    started = []
    for index in range(processes):
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("QUIDPRONO_")}, **standin.env(),
               "DISCORD_TOKEN": standin.token, "DATABASE_URL": url, "QUIDPRONO_CONFIG": str(config),
               "QUIDPRONO_SHARD_COUNT": str(SHARDS)}
        if processes > 1:
            env["QUIDPRONO_CLUSTER"] = f"{index}/{processes}"
        with (workdir / f"bot{index}.log").open("w") as log:
            started.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=workdir, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=log, stderr=log))
    try:
        await standin.wait_for_shards(set(range(SHARDS)), timeout=120)
        async with asyncio.timeout(60):
            await ready(workdir, processes)
    except TimeoutError:
        for index in range(processes):
            print((workdir / f"bot{index}.log").read_text()[-2000:], file=sys.stderr)
        raise
    return started


async def ready(workdir: Path, processes: int) -> None:
    """Every process logged that it is ready (another process's log has no event to await)."""
    while not all("event=ready " in (workdir / f"bot{i}.log").read_text() for i in range(processes)):  # noqa: ASYNC110
        await asyncio.sleep(0.1)


async def stored(url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        posts = await connection.fetchval("SELECT count(*) FROM posts")
        demands = await connection.fetchval("SELECT count(*) FROM demands")
    finally:
        await connection.close()
    return int(posts), int(demands)


async def wait_stored(url: str, posts: int, demands: int) -> None:
    """Until the database holds this many posts and verdicts (polled: the bench watches from outside)."""
    async with asyncio.timeout(600):
        while True:
            found_posts, found_demands = await stored(url)
            if found_posts >= posts and found_demands >= demands:
                return
            await asyncio.sleep(0.1)


async def workload(standin: StandIn, places: list[Place]) -> None:
    """MESSAGES replies and DEMANDS demands, interleaved over the guilds, as fast as the stand-in sends them."""
    last: dict[int, object] = {}
    demand_every = max(1, (MESSAGES + DEMANDS) // max(DEMANDS, 1))
    for n in range(MESSAGES + DEMANDS):
        place = places[n % GUILDS]
        author = place.members[(n // GUILDS) % MEMBERS]
        if n % demand_every == 0 and n // demand_every < DEMANDS:
            target = place.members[(n // GUILDS + 1) % MEMBERS]
            await standin.send_message(place.channel, author, f"<@{standin.bot.id}> <@{target.user.id}> follow me back")
        else:
            previous = last.get(place.guild.id)
            last[place.guild.id] = await standin.send_message(place.channel, author, "nice",
                                                              reply_to=previous)  # type: ignore[arg-type]


async def run(processes: int) -> float:
    async with StandIn(shards=SHARDS, max_concurrency=SHARDS) as standin, fresh_postgres() as url:
        standin.sharding.identify_spacing = 0.2
        places = build(standin)
        with tempfile.TemporaryDirectory() as directory:
            bots = await start(standin, Path(directory), url, processes)
            try:
                for place in places:  # warm-up: one demand per guild, answered
                    await standin.send_message(place.channel, place.members[0],
                                               f"<@{standin.bot.id}> <@{place.members[1].user.id}> f4f?")
                await wait_stored(url, 0, GUILDS)
                posts_before, demands_before = await stored(url)
                cpu_before = sum(cpu_seconds(bot.pid) for bot in bots)
                own_cpu, started = time.process_time(), time.perf_counter()
                await workload(standin, places)
                sent = time.perf_counter() - started
                await wait_stored(url, posts_before + MESSAGES, demands_before + DEMANDS)
                elapsed, standin_cpu = time.perf_counter() - started, time.process_time() - own_cpu
                bot_cpu = sum(cpu_seconds(bot.pid) for bot in bots) - cpu_before
            finally:
                for bot in bots:
                    bot.send_signal(signal.SIGTERM)
                await asyncio.gather(*(asyncio.wait_for(bot.wait(), 60) for bot in bots))
    rate, events = (MESSAGES + DEMANDS) / elapsed, MESSAGES + DEMANDS
    load = os.getloadavg()[0]
    print(f"scale postgresql {processes} process(es): {MESSAGES:,} messages + {DEMANDS:,} demands sent in "
          f"{sent:.1f} s, all stored after {elapsed:.1f} s: {rate:,.0f}/s (load {load:.1f}); CPU per 1,000: "
          f"bots {1000 * bot_cpu / events:.2f} s, stand-in and bench {1000 * standin_cpu / events:.2f} s "
          f"({os.cpu_count()} cores)", flush=True)
    return rate


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    one = asyncio.run(run(1))
    two = asyncio.run(run(2))
    print(f"scale postgresql: 2 processes / 1 process = {two / one:.2f}x (target >= 1.8x)")


if __name__ == "__main__":
    main()
