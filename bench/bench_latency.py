"""Latency: mention -> reply, measured at the local Discord stand-in, under 500 messages/s of traffic.

The bot runs as a subprocess (`quidprono run`, SQLite) against the stand-in. Background members chat
at 500 messages/s (replies and mentions, all recorded as history); every 100 ms a member mentions the
bot with a demand. Latency is from the moment the stand-in has written the demand to the gateway
socket to the moment it receives the bot's reply. Baseline: the same demands with no background traffic.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from standin import Channel, Member, Message, RecordedRequest, StandIn

RATE = 500  # background messages per second
DEMANDS = 150
DEMAND_EVERY = 0.1  # seconds


async def start_bot(standin: StandIn, workdir: Path) -> asyncio.subprocess.Process:
    config = workdir / "config.yaml"
    # Every demand must get an answer to be timed: no daily cap, no cooldown silence.
    config.write_text(yaml.safe_dump({"discord": {"guild_ready_timeout": 0.1}, "logging": {"level": "WARNING"},
                                      "policy": {"daily_demand_cap": 1000, "cooldown_minutes": 0}}))
    env = {**os.environ, **standin.env(), "DISCORD_TOKEN": standin.token, "QUIDPRONO_CONFIG": str(config),
           "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=workdir, env=env,
                                                   stdin=asyncio.subprocess.DEVNULL,
                                                   stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await standin.wait_for("PUT", r"/applications/\d+/commands", timeout=60)
    await standin.wait_for_ready(timeout=60)
    await asyncio.sleep(0.5)
    return process


async def background(standin: StandIn, channels: list[Channel], members: list[Member], stop: asyncio.Event) -> int:
    rng = random.Random(3)
    sent, started = 0, time.perf_counter()
    last: dict[int, Message | None] = dict.fromkeys((channel.id for channel in channels), None)
    while not stop.is_set():
        channel = rng.choice(channels)
        author, other = rng.sample(members, 2)
        previous = last[channel.id]
        last[channel.id] = await standin.send_message(channel, author, f"nice one <@{other.id}>",
                                                      reply_to=previous if rng.random() < 0.5 else None)
        sent += 1
        ahead = sent / RATE - (time.perf_counter() - started)
        if ahead > 0:
            await asyncio.sleep(ahead)
    return sent


async def demand_latencies(standin: StandIn, channel: Channel, members: list[Member]) -> list[float]:
    rng = random.Random(5)
    latencies = []
    for _ in range(DEMANDS):
        requester, target = rng.sample(members, 2)
        content = f"<@{standin.bot.id}> <@{target.id}> follow me back?"
        demand = await standin.send_message(channel, requester, content)
        sent_at = time.perf_counter()

        def answers(request: RecordedRequest, demand_id: int = demand.id) -> bool:
            reference = (request.json or {}).get("message_reference") or {}
            return str(reference.get("message_id")) == str(demand_id)

        reply = await standin.wait_for("POST", rf"/channels/{channel.id}/messages", answers, timeout=10)
        latencies.append((reply.received_at - sent_at) * 1000)
        await asyncio.sleep(DEMAND_EVERY)
    return latencies


async def measure() -> None:
    async with StandIn() as standin:
        guild = standin.add_guild("Bench")
        channels = [standin.add_channel(guild, f"c{i}") for i in range(5)]
        asks = standin.add_channel(guild, "asks")
        members = [standin.add_member(guild, f"m{i}") for i in range(50)]
        with tempfile.TemporaryDirectory() as directory:
            process = await start_bot(standin, Path(directory))
            try:
                idle = await demand_latencies(standin, asks, members)
                stop = asyncio.Event()
                traffic = asyncio.create_task(background(standin, channels, members, stop))
                started = time.perf_counter()
                loaded = await demand_latencies(standin, asks, members)
                stop.set()
                sent = await traffic
                rate = sent / (time.perf_counter() - started)
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
    p99 = {}
    for name, values in (("idle", idle), (f"under {rate:,.0f} msg/s", loaded)):
        q = statistics.quantiles(values, n=100, method="inclusive")
        p99[name] = q[98]
        print(f"latency {name:>18}: p50 {q[49]:6.1f} ms  p99 {q[98]:6.1f} ms  max {max(values):6.1f} ms "
              f"({len(values)} demands)")
    idle_p99, loaded_p99 = p99.values()
    print(f"latency: p99 under load / p99 idle = {loaded_p99 / idle_p99:.2f}x "
          "(target p99 <= 100 ms under 500 msg/s)")


def main() -> None:
    asyncio.run(measure())


if __name__ == "__main__":
    main()
