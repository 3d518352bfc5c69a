"""Dashboard: p50/p99 of serving a server's overview page with 1,000,000 events stored.

The whole request path as a browser takes it: the real aiohttp app, its session cookie (logged in through the
stand-in's OAuth2), the Manage Server check (cached, as in production) and the page rendered from the
database's aggregates. The server has 1,000,000 interactions (the `decide` benchmark's history) and 60,000
demands over 120 days (500 a day, ~15,000 in the overview's 30 days). The baseline is a static file served
by the same app: the floor any page pays.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import aiohttp
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import insert
from yarl import URL

from bench._db import fresh_sqlite
from bench.bench_decide import history
from bot.config import Environment
from bot.core.model import Outcome
from bot.core.settings import Settings
from bot.storage import Store, make_engine
from bot.storage.models import ConnectionRequest, Demand
from bot.web.config import WebConfig
from bot.web.server import serving, standalone
from standin import Permissions, StandIn

DEMANDS = 60_000
REQUESTS = 1_000
ACCESS_LOG = logging.getLogger("aiohttp.access")  # where the app logs each request's own time
OUTCOMES = [Outcome.DECLINE] * 6 + [Outcome.PROPOSE] * 2 + [Outcome.CONNECT, Outcome.COOLDOWN, Outcome.CAPPED]


async def seed(store: Store, guild_id: int, rng: random.Random) -> None:
    events, _ = history(rng)
    started = time.perf_counter()
    for start in range(0, len(events), 20_000):
        await store.write_events([replace(e, guild_id=guild_id) for e in events[start:start + 20_000]])
    now = datetime.now(UTC)
    demands: list[dict[str, Any]] = [
        {"guild_id": guild_id, "requester_id": rng.randrange(10_000), "target_id": rng.randrange(10_000),
                "channel_id": 1, "message_id": i + 1, "kind": "mention", "outcome": rng.choice(OUTCOMES).value,
                "reasons": [], "evidence": {}, "created_at": now - timedelta(seconds=rng.randrange(120 * 86_400))}
               for i in range(DEMANDS)]
    accepted: list[dict[str, Any]] = [
        {"guild_id": guild_id, "requester_id": rng.randrange(10_000), "target_id": rng.randrange(10_000),
                 "demand_id": None, "status": "accepted", "created_at": now - timedelta(days=d % 120),
                 "expires_at": now, "decided_at": now - timedelta(days=d % 120)} for d in range(2_000)]
    async with store.engine.begin() as connection:
        await connection.execute(insert(Demand), demands)
        await connection.execute(insert(ConnectionRequest), accepted)
    print(f"dashboard: stored {len(events):,} events and {DEMANDS:,} demands in {time.perf_counter() - started:.1f}s",
          flush=True)


class ServerTimes(logging.Handler):
    """The app's own time per request (its access log's `ms`, from the request read to the response sent):
    what the server spends apart from the benchmark's client sharing the loop and the machine's load."""

    def __init__(self, path: str) -> None:
        super().__init__(logging.INFO)
        self.path = path
        self.times: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if str(record.msg).startswith("event=http") and isinstance(args, tuple) and args[1] == self.path:
            self.times.append(float(cast(float, args[3])))


async def timed(http: aiohttp.ClientSession, url: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        async with http.get(url, allow_redirects=False) as response:
            await response.read()
            assert response.status == 200, response.status
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def log_in(http: aiohttp.ClientSession, standin: StandIn, site: str, user_id: int) -> None:
    async with http.get(site + "/login", allow_redirects=False) as response:
        query = URL(response.headers["Location"]).query
    form = {name: query[name] for name in ("client_id", "redirect_uri", "scope", "state")} | {"user_id": str(user_id)}
    async with http.post(standin.http_base + "/oauth2/authorize", data=form) as response:
        assert response.status == 200


async def measure(directory: Path) -> None:
    url, _ = await asyncio.to_thread(fresh_sqlite, directory, "dashboard")
    ACCESS_LOG.setLevel(logging.INFO)  # before serving: each connection decides once whether it logs
    store = Store(make_engine(url))
    async with StandIn() as standin:
        guild = standin.add_guild("Busy server")
        moderator = standin.add_member(guild, "moderator", permissions=Permissions.MANAGE_GUILD)
        server = ServerTimes(f"/guilds/{guild.id}")
        await seed(store, guild.id, random.Random(13))
        env = Environment(token=SecretStr(standin.token), database_url=url, config_path=None,
                          api_base=standin.api_base, gateway_url=None)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            site = f"http://127.0.0.1:{sock.getsockname()[1]}"
            config = WebConfig(str(standin.oauth2.client_id), SecretStr(standin.oauth2.client_secret), site,
                               standin.api_base, SecretStr(standin.token), SecretStr(Fernet.generate_key().decode()))
            async with (standalone(env, config, Settings(), store) as dashboard, serving(dashboard, sock=sock),
                        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http):
                await log_in(http, standin, site, moderator.id)
                page = f"{site}/guilds/{guild.id}"
                await timed(http, page, 20)  # warm: the permission cache, SQLite's page cache
                ACCESS_LOG.addHandler(server)
                timings = await timed(http, page, REQUESTS)
                ACCESS_LOG.removeHandler(server)
                baseline = await timed(http, site + "/static/style.css", REQUESTS)
    await store.close()
    p50, p99, b50, b99 = (_percentile(t, q) for t, q in ((timings, 50), (timings, 99), (baseline, 50),
                                                          (baseline, 99)))
    print(f"dashboard: overview p50 {p50:.1f} ms  p99 {p99:.1f} ms  max {max(timings):.1f} ms over {REQUESTS:,}"
          f" requests (target p99 < 100 ms)")
    print(f"dashboard: the server's own time per overview (its access log): p50 {_percentile(server.times, 50):.1f} ms"
          f"  p99 {_percentile(server.times, 99):.1f} ms; load average {os.getloadavg()[0]:.1f}")
    print(f"dashboard: baseline static file p50 {b50:.2f} ms  p99 {b99:.2f} ms; the overview costs {p50 / b50:.1f}x")


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if q < 100 else max(values)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(measure(Path(directory)))
