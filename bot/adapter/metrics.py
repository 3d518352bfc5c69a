"""Prometheus metrics of one bot process (issue #12), off by default, served on 127.0.0.1 unless configured.

A registry of its own per bot (not prometheus_client's global one), so several bots in one process (tests)
never share counters. What is counted comes from hooks: the batcher reports every batch it wrote, the
demand path dispatches `verdict`, aiohttp's trace reports every REST response; queue depth and gateway
latency are read at scrape time.
"""

from __future__ import annotations

import logging
import math
from collections import Counter as Tally
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from types import SimpleNamespace
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, Info, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.core.settings import MetricsSettings

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo
    from bot.adapter.events import VerdictGiven

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("quidprono")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class _Live(Collector):
    """What is read when Prometheus scrapes: the write queue and each shard's gateway latency."""

    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot

    def collect(self) -> Iterator[Metric]:
        queue = GaugeMetricFamily("quidprono_write_queue", "Events waiting to be written, and demands and "
                                  "withdrawals parked during a database outage", labels=["what"])
        queue.add_metric(["events"], self.bot.batcher.pending)
        queue.add_metric(["parked"], len(self.bot.batcher.parked))
        yield queue
        latency = GaugeMetricFamily("quidprono_gateway_latency_seconds", "Heartbeat round trip per shard",
                                    labels=["shard"])
        for shard_id, seconds in self.bot.latencies:
            if math.isfinite(seconds):  # discord.py says nan or inf before the first heartbeat
                latency.add_metric([str(shard_id)], seconds)
        yield latency


class BotMetrics:
    def __init__(self, settings: MetricsSettings) -> None:
        self.settings = settings
        self.registry = CollectorRegistry()
        self.events = Counter("quidprono_events_written", "Interactions and posts written to the database",
                              ["kind"], registry=self.registry)
        self.flush_seconds = Histogram("quidprono_flush_seconds", "Time to write one batch of events",
                                       registry=self.registry)
        self.verdicts = Counter("quidprono_verdicts", "Demands decided, by outcome", ["outcome"],
                                registry=self.registry)
        self.rest = Counter("quidprono_rest_responses", "Discord REST responses, by status", ["status"],
                            registry=self.registry)
        self.rate_limited = Counter("quidprono_rest_rate_limited", "Discord REST responses 429 (rate limited)",
                                    registry=self.registry)
        self.demands = Counter("quidprono_demands", "Demands handled: answered, recorded silently (too old after a "
                               "gap), or already answered by another process", ["how"], registry=self.registry)
        Info("quidprono_build", "The running version", registry=self.registry).info({"version": _version()})
        self.port: int | None = None  # where it listens, once serving
        self._runner: web.AppRunner | None = None

    def watch(self, bot: QuidProNo) -> None:
        self.registry.register(_Live(bot))
        bot.batcher.on_written = self.written
        bot.add_listener(self.verdict, "on_verdict")
        bot.add_listener(self.silent, "on_demand_recorded_silently")
        bot.add_listener(self.already_answered, "on_demand_already_answered")

    def written(self, kinds: Tally[str], seconds: float) -> None:
        for kind, count in kinds.items():
            self.events.labels(kind).inc(count)
        self.flush_seconds.observe(seconds)

    async def verdict(self, verdict: VerdictGiven) -> None:
        self.verdicts.labels(verdict.outcome).inc()
        self.demands.labels("answered").inc()

    async def silent(self, _message_id: int) -> None:
        self.demands.labels("silent").inc()

    async def already_answered(self, _message_id: int, _target_id: int) -> None:
        self.demands.labels("already_answered").inc()

    def trace(self) -> aiohttp.TraceConfig:
        """Given to discord.py's HTTP client: every REST response is counted by status."""
        config = aiohttp.TraceConfig()

        async def ended(_session: aiohttp.ClientSession, _context: SimpleNamespace,
                        params: aiohttp.TraceRequestEndParams) -> None:
            status = params.response.status
            self.rest.labels(str(status)).inc()
            if status == 429:
                self.rate_limited.inc()

        config.on_request_end.append(ended)
        return config

    async def serve(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._scrape)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []  # the port actually bound (0: any free one)
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.port
        log.info("event=metrics_serving host=%s port=%s", self.settings.host, self.port)

    async def _scrape(self, _request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

