"""Replies that fail are delivered later: 5xx retried with backoff (same nonce), 403 falls back to a thread
or a DM, 429 waited out; each outcome logged once with ids."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapter.app import QuidProNo
from standin import Message
from tests.e2e.conftest import World


async def _demand(world: World) -> Message:
    return await world.standin.send_message(world.general, world.dave, f"{world.bot_mention} follow me back pls")


def _outcomes(caplog: pytest.LogCaptureFixture, message: Message) -> list[str]:
    return [r.getMessage().split()[0] for r in caplog.records
            if "event=reply_" in r.getMessage() and f"message_id={message.id}" in r.getMessage()]


class _Outcome(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.logged = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.logged.set()


async def _logged_outcome(caplog: pytest.LogCaptureFixture, message: Message) -> list[str]:
    """The outcome line follows the REST answer the stand-in saw: wait for it to be written."""
    handler, logger = _Outcome(), logging.getLogger("bot.adapter.replies")
    logger.addHandler(handler)
    try:
        if not _outcomes(caplog, message):
            await asyncio.wait_for(handler.logged.wait(), 5)
    finally:
        logger.removeHandler(handler)
    return _outcomes(caplog, message)


async def test_a_reply_refused_with_503_is_retried_until_delivered(world: World, bot: QuidProNo,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    refused = world.standin.inject_error("POST", rf"/channels/{world.general.id}/messages", status=503, times=2)
    demand = await _demand(world)
    reply = await world.standin.wait_for_bot_message(world.general, lambda m: m.referenced is demand, timeout=15)
    assert len(refused.hits) == 2 and "follow anyone" in reply.content
    posts = world.standin.requests.filter("POST", rf"/channels/{world.general.id}/messages")
    assert len({post.json["nonce"] for post in posts}) == 1  # every attempt the same nonce
    assert await _logged_outcome(caplog, demand) == ["event=reply_delivered"]
    assert "attempts=3" in caplog.text


async def test_a_reply_refused_with_403_falls_back_to_a_thread(world: World, bot: QuidProNo,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    world.standin.refuse_posts(world.general)
    demand = await _demand(world)
    reply = await world.standin.wait_for_bot_message(predicate=lambda m: "follow anyone" in m.content, timeout=10)
    assert reply.channel is not world.general and reply.channel.parent is world.general  # a thread under it
    assert await _logged_outcome(caplog, demand) == ["event=reply_delivered"] and "mode=thread" in caplog.text


async def test_a_rate_limited_reply_is_waited_out(world: World, bot: QuidProNo) -> None:
    limited = world.standin.inject_ratelimit("POST", rf"/channels/{world.general.id}/messages", retry_after=0.3)
    demand = await _demand(world)
    await world.standin.wait_for_bot_message(world.general, lambda m: m.referenced is demand, timeout=10)
    assert len(limited.hits) == 1 and len(world.standin.bot_messages(world.general)) == 1


async def test_a_reply_being_retried_does_not_hold_back_the_members_next_demand(world: World,
                                                                               bot: QuidProNo) -> None:
    """The member's turn ends once the verdict is stored; the retries (for minutes, at worst) come after."""
    refused = world.standin.inject_error("POST", rf"/channels/{world.general.id}/messages", status=503, times=None)
    first = await _demand(world)
    await world.standin.requests.wait_for("POST", rf"/channels/{world.general.id}/messages", timeout=10)
    second = await world.standin.send_message(world.art, world.dave, f"{world.bot_mention} follow me back pls")
    answered = await world.standin.wait_for_bot_message(world.art, lambda m: m.referenced is second, timeout=10)
    assert "hasn't changed since you last asked" in answered.content  # decided after the first: its cooldown
    assert not world.standin.bot_messages(world.general)  # the first is still being retried
    refused.cancel()  # Discord is back: the first reply lands too
    await world.standin.wait_for_bot_message(world.general, lambda m: m.referenced is first, timeout=15)
