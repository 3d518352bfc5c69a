"""Prometheus /metrics of one bot process (issue #12): off by default, on 127.0.0.1 unless configured, and its
figures move with what the bot does: events written, verdicts by outcome, the write queue, the gateway
latency of each shard, REST responses and 429s."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from bot.adapter.app import QuidProNo
from bot.core.settings import Settings
from tests.e2e.conftest import World, inprocess_bot, settle
from tests.e2e.test_members import demand


async def scrape(bot: QuidProNo) -> str:
    assert bot.metrics is not None and bot.metrics.port is not None
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{bot.metrics.port}/metrics") as response:
        assert response.status == 200 and response.content_type == "text/plain"
        return await response.text()


def value(page: str, name: str) -> float:
    """One sample's value; `name` with its labels as Prometheus prints them."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", page, flags=re.M)
    assert found, f"{name} not in:\n{page}"
    return float(found[1])


def test_metrics_are_off_by_default_and_local_only_when_on() -> None:
    defaults = Settings().metrics
    assert not defaults.enabled and defaults.host == "127.0.0.1"


async def test_the_figures_move_with_what_the_bot_does(world: World, tmp_path: Path) -> None:
    async with inprocess_bot(world, tmp_path, metrics={"enabled": True, "port": 0}) as bot:
        world.standin.inject_ratelimit("POST", r"/channels/\d+/messages", retry_after=0.1)  # the reply waits once
        first = await world.standin.send_message(world.general, world.bob, "morning")
        await world.standin.send_message(world.general, world.carol, "hi", reply_to=first)
        reply = await demand(world, world.alice, world.bob)
        await settle(world)
        await bot.batcher.flush()
        page = await scrape(bot)

    assert reply.content  # answered (after the 429 was waited out)
    outcomes = re.findall(r'^quidprono_verdicts_total\{outcome="(\w+)"\} 1\.0$', page, flags=re.M)
    assert len(outcomes) == 1
    assert value(page, 'quidprono_demands_total{how="answered"}') == 1
    assert re.search(r'^quidprono_build_info\{version="[^"]+"\} 1\.0$', page, flags=re.M)
    assert value(page, 'quidprono_events_written_total{kind="reply"}') >= 1
    assert value(page, 'quidprono_events_written_total{kind="post"}') >= 2
    assert value(page, "quidprono_flush_seconds_count") >= 1
    assert value(page, 'quidprono_write_queue{what="events"}') == 0
    assert value(page, 'quidprono_write_queue{what="parked"}') == 0
    assert value(page, 'quidprono_gateway_latency_seconds{shard="0"}') >= 0
    assert value(page, "quidprono_rest_rate_limited_total") == 1
    assert value(page, 'quidprono_rest_responses_total{status="429"}') == 1
    assert value(page, 'quidprono_rest_responses_total{status="200"}') >= 1


async def test_without_metrics_nothing_listens(world: World, tmp_path: Path) -> None:
    async with inprocess_bot(world, tmp_path) as bot:
        assert bot.metrics is None
        try:  # the default port: nobody answers there
            async with aiohttp.ClientSession() as http, http.get("http://127.0.0.1:9108/metrics"):
                raise AssertionError("something serves metrics on 127.0.0.1:9108")
        except aiohttp.ClientConnectorError:
            pass
