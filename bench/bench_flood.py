"""Flood: 50 members demanding 10 times a second each (500 demands/s) on SQLite, through the stand-in.

The bot runs as a subprocess (`quidprono run`, SQLite, config.yaml's policy: 10 demands a day, 60 min
cooldown). Baseline: 20 demands from other members, one at a time, idle. Then every member sends 10
demands a second for FLOOD_SECONDS (env QPN_FLOOD_SECONDS, default 10). Figures: reply latency for
demands of members still under their cap (from the stand-in writing the demand to the gateway to it
receiving the reply), how long after the flood's end the last verdict was stored, and the rate the
demand path sustained.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

from standin import Channel, Member, RecordedRequest, StandIn

MEMBERS, PER_MEMBER_RATE = 50, 10
FLOOD_SECONDS = float(os.environ.get("QPN_FLOOD_SECONDS", "10"))
CAP = 10  # config.yaml's daily_demand_cap
DRAIN_LIMIT = float(os.environ.get("QPN_FLOOD_DRAIN_LIMIT", "180"))  # seconds to wait for every verdict
PROFILE = os.environ.get("QPN_FLOOD_PROFILE")  # a path: the bot runs under cProfile and writes its stats there
PROFILER = ["-m", "cProfile", "-o", os.path.abspath(PROFILE)] if PROFILE else []


async def start_bot(standin: StandIn, workdir: Path) -> asyncio.subprocess.Process:
    config = workdir / "config.yaml"
    config.write_text(yaml.safe_dump({"discord": {"guild_ready_timeout": 0.1}, "logging": {"level": "WARNING"}}))
    env = {**os.environ, **standin.env(), "DISCORD_TOKEN": standin.token, "QUIDPRONO_CONFIG": str(config),
           "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}"}
    with (workdir / "bot.log").open("w") as log:  # warnings and errors only: summarised by `log_summary`
        process = await asyncio.create_subprocess_exec(sys.executable, *PROFILER, "-m", "bot", "run", cwd=workdir,
                                                       env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log,
                                                       stderr=log)
    await standin.wait_for("PUT", r"/applications/\d+/commands", timeout=60)
    await standin.wait_for_ready(timeout=60)
    await asyncio.sleep(0.5)  # on_ready follows guild_ready_timeout later
    return process


def replies_by_demand(standin: StandIn, channel: Channel, since: int) -> dict[int, float]:
    """When the stand-in received the bot's reply to each demand (perf_counter seconds)."""
    received: dict[int, float] = {}
    for request in standin.requests.filter("POST", rf"/channels/{channel.id}/messages", since=since):
        reference = (request.json or {}).get("message_reference") or {}
        if reference.get("message_id") is not None:
            received.setdefault(int(reference["message_id"]), request.received_at)
    return received


async def idle_latencies(standin: StandIn, channel: Channel, members: list[Member]) -> list[float]:
    latencies = []
    for requester in members:
        demand = await standin.send_message(channel, requester, f"<@{standin.bot.id}> follow me back?")
        sent_at = time.perf_counter()

        def answers(request: RecordedRequest, demand_id: int = demand.id) -> bool:
            return str(((request.json or {}).get("message_reference") or {}).get("message_id")) == str(demand_id)

        reply = await standin.wait_for("POST", rf"/channels/{channel.id}/messages", answers, timeout=30)
        latencies.append(reply.received_at - sent_at)
    return latencies


async def flood(standin: StandIn, channel: Channel, members: list[Member]) -> tuple[dict[int, float], list[int]]:
    """Returns when each demand was written to the gateway, and the demands of members under their cap."""
    rng = random.Random(9)
    sent: dict[int, float] = {}
    under_cap: list[int] = []
    started = time.perf_counter()
    for tick in range(int(FLOOD_SECONDS * PER_MEMBER_RATE)):
        for requester in members:
            target = rng.choice([m for m in members if m is not requester])
            demand = await standin.send_message(channel, requester, f"<@{standin.bot.id}> <@{target.user.id}> f4f?")
            sent[demand.id] = time.perf_counter()
            if tick < CAP:
                under_cap.append(demand.id)
        ahead = (tick + 1) / PER_MEMBER_RATE - (time.perf_counter() - started)
        if ahead > 0:
            await asyncio.sleep(ahead)
    return sent, under_cap


def stored_demands(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as connection:
        return int(connection.execute("SELECT count(*) FROM demands").fetchone()[0])


def log_summary(log: Path) -> str:
    """How many times each logged event (or exception type) occurred: why demands went missing, if they did."""
    counts = Counter(match[0] or match[1] for match in re.findall(r"event=(\w+)|^([\w.]+(?:Error|Exception)):",
                                                                      log.read_text(), flags=re.M))
    return ", ".join(f"{name} x{count}" for name, count in counts.most_common(8)) or "nothing"


async def wait_until_stored(database: Path, expected: int, limit: float = DRAIN_LIMIT) -> float:
    """Seconds until the database holds `expected` demands (polled: the bench watches from outside)."""
    started = time.perf_counter()
    while stored_demands(database) < expected:
        if time.perf_counter() - started > limit:
            raise TimeoutError(f"only {stored_demands(database)} of {expected} demands stored")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


def quantiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49] * 1000, q[98] * 1000, max(values) * 1000


async def measure() -> None:
    async with StandIn() as standin:
        guild = standin.add_guild("Flood")
        channel = standin.add_channel(guild, "flood")
        members = [standin.add_member(guild, f"m{i}") for i in range(MEMBERS)]
        quiet = [standin.add_member(guild, f"q{i}") for i in range(20)]
        with tempfile.TemporaryDirectory() as directory:
            process = await start_bot(standin, Path(directory))
            try:
                idle = await idle_latencies(standin, channel, quiet)
                mark = standin.mark()
                flood_started = time.perf_counter()
                sent, under_cap = await flood(standin, channel, members)
                flood_ended = time.perf_counter()
                try:
                    drained = await wait_until_stored(Path(directory) / "bench.db", len(sent) + len(idle))
                finally:
                    print(f"flood: the bot logged: {log_summary(Path(directory) / 'bot.log')}")
                replies = replies_by_demand(standin, channel, mark)
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 60)
    report(idle, sent, under_cap, replies, flood_seconds=flood_ended - flood_started, drained=drained)


def report(idle: list[float], sent: dict[int, float], under_cap: list[int], replies: dict[int, float], *,
           flood_seconds: float, drained: float) -> None:
    answered = [replies[d] - sent[d] for d in under_cap if d in replies]
    rate = len(sent) / flood_seconds
    i50, i99, imax = quantiles(idle)
    f50, f99, fmax = quantiles(answered)
    print(f"flood: {len(sent):,} demands from {MEMBERS} members in {flood_seconds:.1f} s ({rate:,.0f}/s offered)")
    print(f"flood: reply latency idle         p50 {i50:7.1f} ms  p99 {i99:7.1f} ms  max {imax:7.1f} ms")
    print(f"flood: reply latency under cap    p50 {f50:7.1f} ms  p99 {f99:7.1f} ms  max {fmax:7.1f} ms "
          f"({len(answered)}/{len(under_cap)} answered; target p99 < 1000 ms)")
    print(f"flood: p99 flood / p99 idle = {f99 / i99:.1f}x")
    print(f"flood: last verdict stored {drained:.1f} s after the flood ended (target <= 5 s); "
          f"demand path {len(sent) / (flood_seconds + drained):,.0f} demands/s overall")
    print(f"flood: replies to members past their cap: {len(replies) - len(answered)} "
          f"(one 'that is enough for today' each at most: <= {MEMBERS})")


def main() -> None:
    asyncio.run(measure())


if __name__ == "__main__":
    main()
