"""Each member decides: their own bar, their own quota, their own terms, end to end through the stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapter.app import QuidProNo
from bot.core.model import Outcome, Preferences
from bot.core.policy import decide
from standin import Member, Permissions
from tests.e2e.conftest import World, script_alice_and_bob
from tests.e2e.test_members import button, command, consent_request, demand, press
from tests.factories import pair_summary


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

    summary = await pair_summary(bot.store, world.guild.id, world.dave.id, world.carol.id,
                                 policy=bot.settings.policy, now=bot.now())
    server_default = decide(summary, bot.settings.policy, Preferences(), [], bot.now())
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


ART_TERMS = "I follow people who comment on my art; I never follow back just for a follow"


async def set_terms(world: World, member: Member, words: str) -> str:
    opened = await world.standin.slash_command(world.general, member, "terms set")
    submitted = await world.standin.submit_modal(opened, {"qpn:terms:text": words})
    response = await submitted.wait_response(timeout=5)
    assert response.ephemeral
    return response.content or ""


async def test_terms_appear_in_the_why_of_a_decline_and_never_ping(world: World, bot: QuidProNo) -> None:
    refused = await set_terms(world, world.alice, f"ping <@{world.bob.id}> and join discord.gg/spam")
    assert "can't mention or ping" in refused and "Nothing was saved" in refused
    assert await bot.store.members.terms(world.guild.id, world.alice.id) is None
    saved = await set_terms(world, world.alice, ART_TERMS)
    assert "Saved" in saved and ART_TERMS in saved

    reply = await demand(world, world.carol, world.alice)
    assert "not yet" in reply.content and "my art" not in reply.content  # the public reply stays short
    handle = await world.standin.click_button(reply, button(reply, "Why?"), world.carol)
    response = await handle.wait_response(5)
    assert response.ephemeral
    assert f"In <@{world.alice.id}>'s words: “{ART_TERMS}”" in (response.content or "")
    assert response.data["allowed_mentions"] == {"parse": []}  # the names in it ping no one

    shown = await command(world, world.bob, "terms show", member=world.alice)
    assert ART_TERMS in shown.content and shown.data["allowed_mentions"] == {"parse": []}


async def test_a_moderator_clears_abusive_terms_and_it_is_audited(world: World, bot: QuidProNo) -> None:
    mod = world.standin.add_member(world.guild, "mod", permissions=Permissions.MANAGE_GUILD)
    await set_terms(world, world.dave, "I only follow people who are not losers")

    refused = await command(world, world.carol, "terms clear", member=world.dave)
    assert "Only moderators" in refused.content
    assert await bot.store.members.terms(world.guild.id, world.dave.id) is not None

    cleared = await command(world, mod, "terms clear", member=world.dave)
    assert "terms are cleared" in cleared.content and "audit log" in cleared.content
    assert await bot.store.members.terms(world.guild.id, world.dave.id) is None
    entries = await bot.store.audit_entries(world.guild.id)
    assert [(e.action, e.actor_id, e.detail) for e in entries] == [
        ("terms_cleared", mod.id, {"member_id": str(world.dave.id)})]
    assert "losers" not in str(entries[0].detail)  # the audit names whose terms, never the words
