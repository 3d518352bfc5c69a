"""Each member decides: their own bar, their own quota, their own terms, end to end through the stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapter.app import QuidProNo
from bot.core.model import Outcome, Preferences
from bot.core.policy import decide
from standin import Member, Permissions
from tests.e2e.conftest import World, script_alice_and_bob
from tests.e2e.test_members import button, command, consent_request, demand, press
from tests.e2e.test_moderation import run
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

    mod = world.standin.add_member(world.guild, "mod", permissions=Permissions.MANAGE_GUILD)
    stats = await run(world, mod, "quidpro stats")
    assert "1 decline was due to a member's own bar" in stats


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
    assert await bot.store.preferences.terms(world.guild.id, world.alice.id) is None
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
    assert await bot.store.preferences.terms(world.guild.id, world.dave.id) is not None

    cleared = await command(world, mod, "terms clear", member=world.dave)
    assert "terms are cleared" in cleared.content and "audit log" in cleared.content
    assert await bot.store.preferences.terms(world.guild.id, world.dave.id) is None
    entries = await bot.store.audit_entries(world.guild.id)
    assert [(e.action, e.actor_id, e.detail) for e in entries] == [
        ("terms_cleared", mod.id, {"member_id": str(world.dave.id)})]
    assert "losers" not in str(entries[0].detail)  # the audit names whose terms, never the words

    # Dave asks to be forgotten: the action stays
    await bot.store.privacy.forget(world.guild.id, world.dave.id, bot.now())
    entries = await bot.store.audit_entries(world.guild.id)
    assert [(e.action, e.actor_id, e.detail) for e in entries] == [("terms_cleared", mod.id, {"member_id": "0"})]


async def connect_at(bot: QuidProNo, world: World, a: Member, b: Member, days_ago: float) -> None:
    at = bot.now() - timedelta(days=days_ago)
    await bot.store.follows.follow(world.guild.id, a.id, b.id, "consent", at)
    await bot.store.follows.follow(world.guild.id, b.id, a.id, "consent", at)


async def test_the_quiet_digest_lists_a_silent_connection_and_unfollows_silently(world: World,
                                                                                 bot: QuidProNo) -> None:
    await connect_at(bot, world, world.alice, world.dave, days_ago=40)  # never a word since
    await connect_at(bot, world, world.alice, world.bob, days_ago=10)
    await script_alice_and_bob(world)  # ...while Alice and Bob keep talking

    listed = await command(world, world.alice, "connections")
    assert "you → them" in listed.content and "them → you" in listed.content
    bob_line = next(line for line in listed.content.splitlines() if f"<@{world.bob.id}>" in line)
    dave_line = next(line for line in listed.content.splitlines() if f"<@{world.dave.id}>" in line)
    assert "you → them 0.0, them → you 0.0; no engagement either way yet" in dave_line
    assert "you → them 0.0" not in bob_line

    subscribed = await command(world, world.alice, "digest subscribe", every="weekly", quiet_days=30)
    assert "weekly" in subscribed.content
    # Extensions load as their own module objects: the cog is found by name, not by class.
    digest_cog: Any = bot.get_cog("Digest")
    assert digest_cog is not None
    assert await digest_cog.send_due_digests() == 0  # not due yet: one week after subscribing
    await bot.store.quiet.mark_sent(world.guild.id, world.alice.id, bot.now() - timedelta(days=8))
    assert await digest_cog.send_due_digests() == 1
    digest = await world.standin.wait_for_bot_message(world.standin.dm_channel(world.alice), timeout=5)
    assert f"<@{world.dave.id}>" in digest.content and f"<@{world.bob.id}>" not in digest.content
    assert "quiet for 30 days" in digest.content
    assert await digest_cog.send_due_digests() == 0  # sent once per period

    before = {m.id for m in world.standin.bot_messages()}
    private, text = await press(world, digest, "Unfollow dave", world.alice)
    assert private and "They are not told" in text
    assert await bot.store.follows.following(world.guild.id, world.alice.id) == [world.bob.id]
    assert world.dave.id in {f for f in await bot.store.follows.followers(world.guild.id, world.alice.id)}
    told = [m for m in world.standin.bot_messages() if m.id not in before]
    assert told == []  # silent: nothing posted anywhere, no DM to Dave
    assert world.standin.bot_messages(world.standin.dm_channel(world.dave)) == []


async def test_forget_me_removes_bar_quota_terms_and_digest(world: World, bot: QuidProNo) -> None:
    await command(world, world.alice, "prefs", bar="stingy", quota=2)
    await set_terms(world, world.alice, ART_TERMS)
    await command(world, world.alice, "digest subscribe", every="monthly", quiet_days=14)
    exported = await bot.store.privacy.export(world.guild.id, world.alice.id)
    assert exported["preferences"]["bar"] == "stingy" and exported["preferences"]["weekly_quota"] == 2
    assert exported["terms"] == ART_TERMS and exported["digest"] == {"every": "monthly", "quiet_days": 14}

    asked = await command(world, world.alice, "forget-me")
    assert "stated terms" in asked.content and "digest" in asked.content
    handle = await world.standin.click_button(asked.message, button(asked.message, "Erase my data"), world.alice)
    await handle.wait_response(5)

    assert await bot.store.preferences.preferences(world.guild.id, world.alice.id) == Preferences()
    assert await bot.store.preferences.terms(world.guild.id, world.alice.id) is None
    assert await bot.store.quiet.subscription(world.guild.id, world.alice.id) is None
    assert (await bot.store.privacy.export(world.guild.id, world.alice.id))["terms"] is None
