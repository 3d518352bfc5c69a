"""Each member decides: their own bar, their own quota, their own terms, end to end through the stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapter.app import QuidProNo
from bot.core.model import Outcome, Preferences
from bot.core.policy import decide
from standin import Member
from tests.e2e.conftest import World, script_alice_and_bob
from tests.e2e.test_members import command, consent_request, demand, press


def digits_beyond_ids(text: str, *members: Member) -> bool:
    for member in members:
        text = text.replace(str(member.id), "")
    return any(ch.isdigit() for ch in text)


async def a_short_exchange(world: World) -> None:
    """Carol and Dave each reply once, react once and mention the other once, an hour apart: enough for the
    server's default bar, not for a stingy one."""
    at = datetime.now(UTC) - timedelta(hours=8)
    post = await world.standin.send_message(world.art, world.carol, "", timestamp=at)
    answer = await world.standin.send_message(world.art, world.dave, "", reply_to=post,
                                              timestamp=at + timedelta(hours=1))
    await world.standin.send_message(world.art, world.carol, "", reply_to=answer, timestamp=at + timedelta(hours=2))
    await world.standin.add_reaction(post, world.dave, "🎨")
    await world.standin.add_reaction(answer, world.carol, "🎨")
    await world.standin.send_message(world.art, world.dave, f"<@{world.carol.id}>", timestamp=at + timedelta(hours=3))
    await world.standin.send_message(world.art, world.carol, f"<@{world.dave.id}>", timestamp=at + timedelta(hours=4))


async def test_a_stingy_target_declines_what_the_server_would_connect_and_says_why(world: World,
                                                                                   bot: QuidProNo) -> None:
    await a_short_exchange(world)
    saved = await command(world, world.carol, "prefs", bar="stingy")
    assert saved.ephemeral and "your bar: **stingy**" in saved.content

    reply = await demand(world, world.dave, world.carol)
    assert "not yet" in reply.content and not digits_beyond_ids(reply.content, world.dave, world.carol)

    inputs = await bot.store.decision_inputs(world.guild.id, world.dave.id, world.carol.id,
                                             bot.settings.policy, bot.now())
    server_default = decide(inputs.summary, bot.settings.policy, Preferences(), [], bot.now())
    assert server_default.outcome is Outcome.CONNECT  # the server's bar alone would have connected them

    private, why = await press(world, reply, "Why?", world.dave)
    assert private
    assert f"<@{world.carol.id}> asks for more back-and-forth than this server's default" in why
    assert "stingy" not in why and "quota" not in why and "words" not in why  # nothing else about Carol


async def test_a_target_past_their_quota_gets_the_kind_quota_answer(world: World, bot: QuidProNo) -> None:
    await script_alice_and_bob(world)
    saved = await command(world, world.alice, "prefs", quota=1)
    assert "new connections: **1 a week**" in saved.content

    await demand(world, world.bob, world.alice)  # Bob and Alice engage both ways: Alice is asked
    request = await consent_request(world)
    await press(world, request, "Connect", world.alice)

    reply = await demand(world, world.carol, world.alice)
    assert f"<@{world.alice.id}> isn't taking new connections this week" in reply.content
    assert not digits_beyond_ids(reply.content, world.carol, world.alice)  # no numbers in public
    private, why = await press(world, reply, "Why?", world.carol)
    assert private and "you may ask again next week" in why
    assert not digits_beyond_ids(why, world.carol, world.alice)
    stored = await bot.store.latest_demand(world.guild.id, world.carol.id, world.alice.id)
    assert stored is not None and stored.outcome is Outcome.QUOTA
