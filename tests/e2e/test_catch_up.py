"""Catch-up after a gap the gateway does not replay: a 3 s outage whose session cannot resume, a session
invalidation, kill -9 and restart. Nothing members said meanwhile is lost, every demand is answered once,
demands older than 10 minutes are recorded without a reply."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.adapter.app import QuidProNo
from bot.core.catchup import Report
from bot.storage.models import Demand
from tests.e2e.catchup_script import (
    UNCAPPED,
    Story,
    assert_nothing_lost,
    before_gap,
    during_gap,
    half_an_hour_ago,
    received_not_flushed,
    stored,
)
from tests.e2e.conftest import FAST, BotProcess, BotRunner, World, settle


class Reports:
    """The bot's positive signal that a catch-up finished (one per new session), with its figures."""

    def __init__(self, bot: QuidProNo) -> None:
        self.queue: asyncio.Queue[Report] = asyncio.Queue()
        bot.add_listener(self._done, "on_catchup_done")

    async def _done(self, _shard_id: int, report: Report) -> None:
        self.queue.put_nowait(report)

    async def next(self, timeout: float = 30.0) -> Report:
        return await asyncio.wait_for(self.queue.get(), timeout)


async def _started(runner: BotRunner, **sections: dict[str, object]) -> Reports:
    runner.configure(**UNCAPPED, **sections)
    bot = await runner.start()
    reports = Reports(bot)
    await settle(runner.world)  # the first session's catch-up (nothing recorded yet: nothing to read) is over
    while not reports.queue.empty():
        reports.queue.get_nowait()
    return reports


def _check_report(report: Report, story: Story) -> None:
    assert (report.answered, report.silent) == (len(story.fresh), len(story.stale))
    assert report.channels == 2 and report.cut == 0


async def _live_after(runner: BotRunner, story: Story) -> None:
    """Once back, live delivery goes on where catch-up stopped: recorded once, by live ingestion. Then the bot
    writes what it holds, and the figures are read."""
    world = runner.world
    story.messages.append(await world.standin.send_message(world.general, world.bob, "so", reply_to=story.fresh[0]))
    await settle(world)
    await runner.bot.batcher.flush()


async def test_a_3_s_outage_that_cannot_resume_loses_nothing(world: World, runner: BotRunner) -> None:
    reports = await _started(runner)
    story = Story()
    await before_gap(world, story, half_an_hour_ago())
    await settle(world)
    identifies = sum(c.start == "identify" for c in world.standin.connections)

    await world.standin.gateway_outage(3.0, resume_window=1.0)
    during_gap(world, story, datetime.now(UTC))
    report = await reports.next()

    assert world.standin.gateway.refused  # the bot tried to come back during the outage and was refused
    assert sum(c.start == "identify" for c in world.standin.connections) == identifies + 1  # a new session
    _check_report(report, story)
    await _live_after(runner, story)
    await assert_nothing_lost(world, story, _url(runner))


async def test_a_session_invalidation_loses_nothing(world: World, runner: BotRunner) -> None:
    reports = await _started(runner)
    story = Story()
    await before_gap(world, story, half_an_hour_ago())
    await settle(world)

    during_gap(world, story, datetime.now(UTC))  # said while the session was lost: only history has it
    await world.standin.invalidate_session(resumable=False)
    report = await reports.next()

    assert world.standin.connections[-1].start == "identify"
    _check_report(report, story)
    await _live_after(runner, story)
    await assert_nothing_lost(world, story, _url(runner))


async def test_past_the_rest_budget_a_channel_waits_for_the_next_session_and_loses_nothing(
        world: World, runner: BotRunner) -> None:
    reports = await _started(runner, catchup={"max_requests": 2})  # per new session: one page, one reaction list
    story = Story()
    await before_gap(world, story, half_an_hour_ago())
    await settle(world)

    during_gap(world, story, datetime.now(UTC))  # news in #general and #art: two pages wanted
    await world.standin.invalidate_session(resumable=False)
    first = await reports.next()
    await world.standin.invalidate_session(resumable=False)
    second = await reports.next()

    assert (first.channels, first.cut, first.requests) == (2, 1, 2)  # #general (and its reaction), not #art
    # #art, left unread, goes first (from its mark); then #general, where only the bot spoke since.
    assert (second.channels, second.cut, second.requests) == (2, 0, 2)
    assert first.answered + second.answered == len(story.fresh)
    assert first.silent + second.silent == len(story.stale)
    await _live_after(runner, story)
    await assert_nothing_lost(world, story, _url(runner))


async def test_a_resume_replays_instead_and_needs_no_catch_up(world: World, runner: BotRunner) -> None:
    reports = await _started(runner)
    story = Story()
    await before_gap(world, story, half_an_hour_ago())
    await world.standin.reconnect_client()
    await world.standin.wait_for_ready()
    await settle(world)
    assert world.standin.connections[-1].start == "resume"
    assert reports.queue.empty()  # RESUMED is not a new session: Discord replays what was missed


async def test_kill_9_and_restart_loses_nothing(world: World, bot_process: BotProcess) -> None:
    # A flush interval longer than the test: what the bot received before kill -9 is only in its memory.
    bot_process.write_config(**UNCAPPED, ingest={**FAST["ingest"], "flush_interval_seconds": 300})
    await bot_process.start()
    story, start = Story(), half_an_hour_ago()
    await before_gap(world, story, start)  # the demand flushes what came before it
    await received_not_flushed(world, story, start + timedelta(minutes=2))
    help_me = await world.standin.send_message(world.general, world.alice, f"{world.bot_mention} hi",
                                               timestamp=start + timedelta(minutes=3))
    story.messages.append(help_me)
    # Its help reply is the signal the bot received everything before it (the gateway delivers in order).
    await world.standin.wait_for_bot_message(world.general, lambda reply: reply.referenced is help_me, timeout=15)
    unflushed = {m.id for m in story.messages[-3:]}
    assert not unflushed & set((await stored(bot_process.database_url)).posts)

    assert bot_process.process is not None
    bot_process.process.kill()
    assert await bot_process.exited() == -9
    during_gap(world, story, datetime.now(UTC))
    await bot_process.start()
    figures = await _catch_up_line(bot_process, nth=2)

    assert (figures["demands_answered"], figures["demands_silent"]) == (len(story.fresh), len(story.stale))
    assert figures["channels_cut"] == 0
    await assert_nothing_lost(world, story, bot_process.database_url)
    assert sum(r.referenced is help_me for r in world.standin.bot_messages(world.general)) == 1


async def test_kill_9_between_the_verdict_and_its_reply_still_answers_once(world: World,
                                                                          bot_process: BotProcess) -> None:
    """The verdict is stored, the reply is being retried (503s), then kill -9: the next session sends it."""
    bot_process.write_config(**UNCAPPED)
    await bot_process.start()
    refused = world.standin.inject_error("POST", rf"/channels/{world.general.id}/messages", status=503, times=None)
    demand = await world.standin.send_message(world.general, world.dave,
                                              f"{world.bot_mention} <@{world.alice.user.id}> follow me back")
    first_try = await world.standin.requests.wait_for("POST", rf"/channels/{world.general.id}/messages", timeout=15)
    assert (await stored(bot_process.database_url)).demands == {demand.id: 1}  # stored before any reply goes out

    assert bot_process.process is not None
    bot_process.process.kill()
    assert await bot_process.exited() == -9
    refused.cancel()
    await bot_process.start()
    figures = await _catch_up_line(bot_process, nth=2)

    assert figures["replies_resent"] == 1 and figures["demands_answered"] == 0
    replies = [r for r in world.standin.bot_messages(world.general) if r.referenced is demand]
    assert len(replies) == 1 and "follow" in replies[0].content
    resent = world.standin.requests.filter("POST", rf"/channels/{world.general.id}/messages")[-1]
    assert resent.json["nonce"] == first_try.json["nonce"]  # had the first try landed, Discord would drop this
    assert (await stored(bot_process.database_url)).demands == {demand.id: 1}
    await bot_process.stop()
    await bot_process.start()  # settled: a later session does not send it again
    await _catch_up_line(bot_process, nth=3)
    assert sum(r.referenced is demand for r in world.standin.bot_messages(world.general)) == 1


async def test_a_reply_delivered_but_not_yet_marked_is_not_sent_again(world: World, runner: BotRunner,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Stopped after the delivery and before its mark, restarted after Discord's nonce check has lapsed: the
    reply under the message says it was sent."""
    reports = await _started(runner)
    caplog.set_level(logging.INFO, logger="bot.adapter.replies")
    delivered = LoggedOnce("event=reply_delivered")
    logging.getLogger("bot.adapter.replies").addHandler(delivered)
    demand = await world.standin.send_message(world.general, world.dave,
                                              f"{world.bot_mention} <@{world.alice.user.id}> follow me back")
    reply = await world.standin.wait_for_bot_message(world.general, lambda m: m.referenced is demand, timeout=15)
    await delivered.wait()  # the bot has heard Discord's answer: the mark is queued, then written
    await runner.bot.batcher.flush()
    async with runner.bot.store.engine.begin() as connection:  # as if it never was
        await connection.execute(update(Demand).values(reply_due=True))
    reply.nonce = None  # posted longer ago than Discord remembers nonces
    await world.standin.invalidate_session(resumable=False)
    report = await reports.next()
    assert report.resent == 0
    assert sum(m.referenced is demand for m in world.standin.bot_messages(world.general)) == 1
    await runner.bot.batcher.flush()
    assert await runner.bot.store.replies_due([world.guild.id], datetime.now(UTC) - timedelta(hours=1)) == []


class LoggedOnce(logging.Handler):
    """Set once a log line holding `event` is written (the handler sees records at any level)."""

    def __init__(self, event: str) -> None:
        super().__init__(logging.DEBUG)
        self.event, self.seen = event, asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.event in record.getMessage():
            self.seen.set()

    async def wait(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self.seen.wait(), timeout)


async def _catch_up_line(process: BotProcess, nth: int, timeout: float = 30.0) -> dict[str, int]:
    """The figures of the bot's `nth` catch-up log line, once written (a file: polled)."""
    async with asyncio.timeout(timeout):
        while len(lines := re.findall(r"event=catchup (.*)", process.log())) < nth:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)\b", lines[nth - 1])}


def _url(runner: BotRunner) -> str:
    return f"sqlite+aiosqlite:///{runner.workdir / 'bot.db'}"
