"""Unsure about a demand, the bot asks its author first, privately: Yes gives the verdict, No and silence
record nothing and post nothing more, and nobody else can answer for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapter.app import QuidProNo
from standin import Message
from tests.e2e.conftest import World, inprocess_bot

# The trained confidence (bot/core/detect_model.json) of "sub me" is 0.97 with the mentions first ("sub" may be
# a subtweet), of "follow me back!" 0.99: between these thresholds the first is asked about, the second answered.
UNSURE = {"answer_threshold": 0.99, "ask_threshold": 0.5, "ask_timeout_seconds": 1.5}


@pytest.fixture
async def asking_bot(world: World, tmp_path: Path) -> AsyncIterator[QuidProNo]:
    async with inprocess_bot(world, tmp_path, detection=UNSURE) as client:
        yield client  # Carol is new: with no history, a verdict on her demand is the kind decline


async def _unsure_demand(world: World) -> tuple[Message, Message]:
    demand = await world.standin.send_message(world.general, world.carol,
                                              f"<@{world.alice.id}> {world.bot_mention} sub me")
    question = await world.standin.wait_for_bot_message(world.standin.dm_channel(world.carol), timeout=5)
    return demand, question


def _button(message: Message, label: str) -> str:
    buttons = {c["label"]: c["custom_id"] for row in message.components for c in row.get("components", [])}
    assert set(buttons) == {"Yes", "No"}
    return str(buttons[label])


async def _stored(bot: QuidProNo, world: World) -> object:
    return await bot.store.latest_demand(world.guild.id, world.carol.id, world.alice.id)


async def test_yes_gives_the_verdict(world: World, asking_bot: QuidProNo) -> None:
    demand, question = await _unsure_demand(world)
    assert question.content == f"Do you want me to look at whether <@{world.alice.id}> might follow you back?"
    assert not world.standin.bot_messages(world.general)  # asked privately, nothing in public yet

    handle = await world.standin.click_button(question, _button(question, "Yes"), world.carol)
    await handle.wait_response(timeout=5)
    reply = await world.standin.wait_for_bot_message(
        world.general, lambda m: m.referenced is not None and m.referenced.id == demand.id, timeout=10)

    assert "not yet" in reply.content  # Carol is new: the kind decline
    stored = await _stored(asking_bot, world)
    assert stored is not None and stored.message_id == demand.id  # type: ignore[attr-defined]


async def test_no_records_nothing_and_says_nothing_more(world: World, asking_bot: QuidProNo) -> None:
    _demand, question = await _unsure_demand(world)

    handle = await world.standin.click_button(question, _button(question, "No"), world.carol)
    response = await handle.wait_response(timeout=5)

    assert response.type == 7  # the question is updated in place: its buttons go, nothing new is posted
    assert world.standin.bot_messages(world.standin.dm_channel(world.carol)) == [question]
    assert question.components == []
    assert not world.standin.bot_messages(world.general)
    assert await _stored(asking_bot, world) is None


async def test_no_answer_in_time_records_nothing(world: World, asking_bot: QuidProNo) -> None:
    _demand, question = await _unsure_demand(world)

    # The positive signal: the bot takes the buttons away when the question expires.
    await world.standin.wait_for("PATCH", rf"/channels/\d+/messages/{question.id}", timeout=10)

    assert question.components == []
    assert world.standin.bot_messages(world.standin.dm_channel(world.carol)) == [question]
    assert not world.standin.bot_messages(world.general)
    assert await _stored(asking_bot, world) is None


async def test_another_member_pressing_is_told_politely_it_is_not_theirs(world: World,
                                                                         asking_bot: QuidProNo) -> None:
    _demand, question = await _unsure_demand(world)

    handle = await world.standin.click_button(question, _button(question, "Yes"), world.bob)
    response = await handle.wait_response(timeout=5)

    assert response.ephemeral and "only they can answer it" in (response.content or "")
    assert not world.standin.bot_messages(world.general)
    assert await _stored(asking_bot, world) is None
    assert {c["label"] for row in question.components for c in row["components"]} == {"Yes", "No"}


async def test_a_sure_demand_is_answered_without_asking(world: World, asking_bot: QuidProNo) -> None:
    demand = await world.standin.send_message(world.general, world.carol,
                                              f"{world.bot_mention} <@{world.alice.id}> follow me back!")
    reply = await world.standin.wait_for_bot_message(
        world.general, lambda m: m.referenced is not None and m.referenced.id == demand.id, timeout=10)
    assert "not yet" in reply.content
    assert not world.standin.bot_messages(world.standin.dm_channel(world.carol))


async def test_closed_dms_ask_under_the_message_and_still_only_its_author_answers(world: World,
                                                                                 asking_bot: QuidProNo) -> None:
    world.carol.user.accepts_dms = False
    demand = await world.standin.send_message(world.general, world.carol,
                                              f"<@{world.alice.id}> {world.bot_mention} sub me")
    question = await world.standin.wait_for_bot_message(
        world.general, lambda m: m.referenced is not None and m.referenced.id == demand.id, timeout=5)
    assert "might follow you back?" in question.content

    handle = await world.standin.click_button(question, _button(question, "No"), world.bob)
    assert "only they can answer it" in ((await handle.wait_response(timeout=5)).content or "")
    handle = await world.standin.click_button(question, _button(question, "No"), world.carol)
    await handle.wait_response(timeout=5)

    assert world.standin.bot_messages(world.general) == [question] and question.components == []
    assert await _stored(asking_bot, world) is None
