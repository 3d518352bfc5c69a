"""Members mention the bot with demands; the bot (in-process) answers through the real discord.py client."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from standin import Message
from tests.e2e.conftest import BotRunner, World, script_alice_and_bob, settle


async def _demand(world: World, author: Any, content: str) -> tuple[Message, Message]:
    demand = await world.standin.send_message(world.general, author, content)
    reply = await world.standin.wait_for_bot_message(
        world.general, lambda m: m.referenced is not None and m.referenced.id == demand.id, timeout=10)
    return demand, reply


async def _why(world: World, reply: Message, user: Any) -> tuple[bool, str]:
    """Press "Why?" as `user`: whether the answer was private, and its text."""
    handle = await world.standin.click_button(reply, _why_button(reply), user)
    response = await handle.wait_response(timeout=5)
    return response.ephemeral, response.content or ""


def _why_button(reply: Message) -> str:
    buttons = [c for row in reply.components for c in row.get("components", [])]
    assert [b["label"] for b in buttons] == ["Why?"]
    return str(buttons[0]["custom_id"])


async def test_newcomer_is_declined_kindly_and_only_she_sees_why(world: World, runner: BotRunner,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await runner.start()
    await script_alice_and_bob(world)

    demand, reply = await _demand(world, world.carol, f"{world.bot_mention} <@{world.alice.id}> follow me back!")

    assert "not yet" in reply.content and "<@" + str(world.carol.id) + ">" in reply.content
    assert not any(ch.isdigit() for ch in reply.content.replace(str(world.carol.id), "")
                   .replace(str(world.alice.id), ""))  # no numbers in public
    posted = (await world.standin.wait_for("POST", rf"/channels/{world.general.id}/messages", timeout=5)).json
    assert [int(user) for user in posted["allowed_mentions"]["users"]] == [world.carol.id]
    assert not posted["allowed_mentions"].get("parse")

    private, mine = await _why(world, reply, world.carol)
    assert private
    assert "0.0" in mine and "the policy asks" in mine and "A way to get there" in mine
    assert f"<#{world.art.id}>" in mine  # Alice is active in #art: go and reply there

    private, not_mine = await _why(world, reply, world.bob)
    assert private and "belongs to the person who asked" in not_mine

    stored = await runner.bot.store.latest_demand(world.guild.id, world.carol.id, world.alice.id)
    assert stored is not None and stored.outcome == "decline" and stored.message_id == demand.id
    log = caplog.text
    assert "event=demand_answered" in log
    assert world.standin.token not in log and "follow me back" not in log  # no token, no message text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_engaged_member_gets_a_connection(world: World, runner: BotRunner) -> None:
    await runner.start()
    await script_alice_and_bob(world)

    _, reply = await _demand(world, world.bob, f"{world.bot_mention} <@{world.alice.id}> f4f?")

    assert "real connection" in reply.content
    _, why = await _why(world, reply, world.bob)
    assert "your engagement scores" in why and "A way to get there" not in why
    stored = await runner.bot.store.latest_demand(world.guild.id, world.bob.id, world.alice.id)
    assert stored is not None and stored.outcome == "connect"
    assert stored.evidence["in_reply"] >= 4 and stored.evidence["in_reaction"] >= 4


async def test_demanding_that_the_bot_follow_back(world: World, runner: BotRunner) -> None:
    await runner.start()
    _, reply = await _demand(world, world.dave, f"{world.bot_mention} follow me back pls")
    assert "I don't follow anyone" in reply.content


async def test_a_mention_that_is_not_a_demand_gets_help(world: World, runner: BotRunner) -> None:
    await runner.start()
    _, reply = await _demand(world, world.dave, f"{world.bot_mention} hello, what do you do?")
    assert "/about" in reply.content and reply.components == []


async def test_silent_setting_ignores_mentions_that_are_not_demands(world: World, runner: BotRunner) -> None:
    runner.configure(discord={"non_demand_mention": "silent"})
    await runner.start()
    await world.standin.send_message(world.general, world.dave, f"{world.bot_mention} hello there")
    _, reply = await _demand(world, world.dave, f"{world.bot_mention} follow me back")  # still answers demands
    await settle(world)
    assert world.standin.bot_messages(world.general) == [reply]


async def test_a_channel_closed_to_the_bot_does_not_stop_it(world: World, runner: BotRunner,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await runner.start()
    refusal = world.standin.refuse_posts(world.art)
    await world.standin.send_message(world.art, world.carol, f"{world.bot_mention} <@{world.alice.id}> f4f")
    await world.standin.wait_for("POST", rf"/channels/{world.art.id}/messages", timeout=10)
    assert len(refusal.hits) == 1
    # Refused in the channel, the answer goes to a thread under the demand instead.
    await world.standin.wait_for_bot_message(predicate=lambda m: m.channel.parent is world.art, timeout=10)

    _, reply = await _demand(world, world.dave, f"{world.bot_mention} follow me back")  # still alive
    assert reply.content
    # The refused verdict was recorded anyway, and answered in a thread under the demand.
    assert await runner.bot.store.latest_demand(world.guild.id, world.carol.id, world.alice.id) is not None
    assert "event=reply_delivered" in caplog.text and "mode=thread" in caplog.text


async def test_why_button_still_works_after_a_restart(world: World, runner: BotRunner) -> None:
    await runner.start()
    _, reply = await _demand(world, world.carol, f"{world.bot_mention} <@{world.alice.id}> sub4sub")
    await runner.restart()
    private, why = await _why(world, reply, world.carol)
    assert private and "the policy asks" in why
