"""Genuine connections and member controls, end to end through the stand-in (the bot in-process)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.storage.models import Base, Follow
from standin import Channel, Message, Permissions
from tests.e2e.conftest import BotRunner, World, script_alice_and_bob, settle

# Columns that hold a person's id, in any table.
PERSON_COLUMNS = {"actor_id", "target_id", "follower_id", "followee_id", "requester_id", "author_id", "user_id"}


async def demand(world: World, author: Any, target: Any, channel: Channel | None = None) -> Message:
    channel = channel or world.general
    sent = await world.standin.send_message(channel, author, f"{world.bot_mention} <@{target.id}> follow me back!")
    return await world.standin.wait_for_bot_message(
        channel, lambda m: m.referenced is not None and m.referenced.id == sent.id, timeout=10)


async def consent_request(world: World) -> Message:
    return await world.standin.wait_for_bot_message(world.general, lambda m: "would like to connect" in m.content,
                                                    timeout=10)


def button(message: Message, label: str) -> str:
    buttons = {c["label"]: c["custom_id"] for row in message.components for c in row.get("components", [])}
    return str(buttons[label])


async def press(world: World, message: Message, label: str, user: Any) -> tuple[bool, str]:
    response = await (await world.standin.click_button(message, button(message, label), user)).wait_response(5)
    return response.ephemeral, response.content or ""


async def command(world: World, user: Any, name: str, channel: Channel | None = None, **options: Any) -> Any:
    handle = await world.standin.slash_command(channel or world.general, user, name, options=options)
    return await handle.wait_response(timeout=5)


async def follows(runner: BotRunner, guild_id: int) -> set[tuple[int, int]]:
    async with runner.bot.store.engine.connect() as connection:
        rows = await connection.execute(select(Follow.follower_id, Follow.followee_id).where(
            Follow.guild_id == guild_id))
        return {(a, b) for a, b in rows}


async def dm_to(world: World, user: Any) -> Message:
    return await world.standin.wait_for_bot_message(world.standin.dm_channel(user), timeout=5)


async def test_consent_connect_refuses_third_parties_and_tells_the_requester(world: World,
                                                                           runner: BotRunner) -> None:
    await runner.start()
    await script_alice_and_bob(world)
    await demand(world, world.bob, world.alice)
    request = await consent_request(world)
    assert f"<@{world.alice.id}>" in request.content

    private, text = await press(world, request, "Connect", world.carol)
    assert private and "Only the person who was asked" in text
    assert await follows(runner, world.guild.id) == set()

    response = await (await world.standin.click_button(request, button(request, "Connect"), world.alice)
                      ).wait_response(5)
    assert "now connected" in (response.content or "") and response.components == []
    assert await follows(runner, world.guild.id) == {(world.alice.id, world.bob.id),
                                                          (world.bob.id, world.alice.id)}
    assert "now connected" in (await dm_to(world, world.bob)).content

    assert request.components == []  # answered: the buttons are gone


async def test_not_now_tells_the_requester_kindly_without_reasons(world: World, runner: BotRunner) -> None:
    await runner.start()
    await script_alice_and_bob(world)
    await demand(world, world.bob, world.alice)
    request = await consent_request(world)
    await press(world, request, "Not now", world.alice)
    told = (await dm_to(world, world.bob)).content
    assert "isn't connecting right now" in told and "score" not in told
    assert await follows(runner, world.guild.id) == set()


async def test_an_unanswered_request_expires_quietly(world: World, runner: BotRunner) -> None:
    await runner.start()
    await script_alice_and_bob(world)
    await demand(world, world.bob, world.alice)
    request = await consent_request(world)
    runner.clock.advance(days=7, seconds=1)  # a request expires after `connections.expire_days` (7)
    private, text = await press(world, request, "Connect", world.alice)
    assert private and "expired" in text
    assert await follows(runner, world.guild.id) == set()
    assert not world.standin.bot_messages(world.standin.dm_channel(world.bob))  # quietly: nobody is told


async def test_auto_accept_connects_at_once(world: World, runner: BotRunner) -> None:
    await runner.start()
    await script_alice_and_bob(world)
    saved = await command(world, world.alice, "prefs", auto_accept=True)
    assert saved.ephemeral and "auto-accept genuine connections: **yes**" in saved.content
    await demand(world, world.bob, world.alice)
    told = await world.standin.wait_for_bot_message(world.general, lambda m: "automatically" in m.content, timeout=5)
    assert told.components == []
    assert (world.alice.id, world.bob.id) in await follows(runner, world.guild.id)


async def test_consent_buttons_survive_a_restart(world: World, runner: BotRunner) -> None:
    await runner.start()
    await script_alice_and_bob(world)
    await demand(world, world.bob, world.alice)
    request = await consent_request(world)
    await runner.restart()
    await press(world, request, "Connect", world.alice)
    assert (world.alice.id, world.bob.id) in await follows(runner, world.guild.id)


async def test_follow_and_a_feed_of_what_you_may_see(world: World, runner: BotRunner) -> None:
    standin = world.standin
    hidden = standin.add_channel(world.guild, "mods-only")
    standin.set_overwrite(hidden, world.guild.everyone, deny=Permissions.VIEW_CHANNEL)
    await runner.start()
    followed = await command(world, world.carol, "follow", member=world.alice)
    assert "You now follow" in followed.content
    visible_post = await standin.send_message(world.art, world.alice, "new drawing")
    await standin.send_message(hidden, world.alice, "secret")
    await standin.send_message(world.art, world.bob, "not followed")

    feed = (await command(world, world.carol, "feed")).content
    assert f"/{world.art.id}/{visible_post.id}" in feed
    assert f"/{hidden.id}/" not in feed and feed.count("https://") == 1
    assert f"<@{world.alice.id}>" in (await command(world, world.carol, "following")).content
    assert f"<@{world.carol.id}>" in (await command(world, world.alice, "followers")).content
    assert "You no longer follow" in (await command(world, world.carol, "unfollow", member=world.alice)).content
    assert "Nothing here yet" in (await command(world, world.carol, "feed")).content


async def test_cooldown_then_daily_cap_with_moderators_told(world: World, runner: BotRunner) -> None:
    mods = world.standin.add_channel(world.guild, "mod-log")
    runner.configure(policy={"daily_demand_cap": 3}, audit={"channel_id": mods.id})
    await runner.start()
    first = await demand(world, world.dave, world.alice)
    again = await demand(world, world.dave, world.alice)
    assert "hasn't changed" in again.content and len(again.content) < len(first.content) + 40
    third = await demand(world, world.dave, world.bob)  # two made before it: still under the cap of three
    assert "that's all the demands" not in third.content
    told = await demand(world, world.dave, world.carol)  # three made before it: the cap, said once
    assert "that's all the demands I'll answer for you today" in told.content
    alert = await world.standin.wait_for_bot_message(mods, lambda m: "limit" in m.content, timeout=5)
    assert f"<@{world.dave.id}>" in alert.content
    silent = await world.standin.send_message(world.general, world.dave, f"{world.bot_mention} <@{world.bob.id}> f4f")
    await settle(world)
    assert not [m for m in world.standin.bot_messages(world.general)
                if m.referenced is not None and m.referenced.id == silent.id]


async def test_mydata_exports_what_is_stored(world: World, runner: BotRunner) -> None:
    await runner.start()
    await script_alice_and_bob(world)
    await demand(world, world.bob, world.alice)
    await command(world, world.bob, "follow", member=world.carol)
    response = await command(world, world.bob, "mydata")
    assert response.ephemeral and "No message text is ever stored" in response.content
    export = json.loads(response.attachments[0].content)
    assert export["user_id"] == str(world.bob.id)
    assert export["interactions_made"]["reply"] == 5 and export["interactions_received"]["reaction"] == 4
    assert export["following"] == [str(world.carol.id)]
    assert [d["outcome"] for d in export["demands"]] == ["connect"]
    assert "text" not in json.dumps(export)


async def test_forget_me_leaves_no_row_about_the_member(world: World, runner: BotRunner) -> None:
    await runner.start()
    await script_alice_and_bob(world)
    await demand(world, world.bob, world.alice)
    await command(world, world.bob, "follow", member=world.carol)
    await command(world, world.bob, "prefs", requests_from="engaged")
    asked = await command(world, world.bob, "forget-me")
    assert asked.ephemeral and asked.message is not None
    done = await (await world.standin.click_button(asked.message, _erase_button(asked), world.bob)).wait_response(5)
    assert "erased" in (done.content or "")

    async with runner.bot.store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:  # every table, so a new one cannot be forgotten
            if table.name == "erasures":  # the erasure itself: who and when, nothing else (test_erasure.py)
                kept = await connection.execute(select(table.c.user_id))
                assert kept.scalars().all() == [world.bob.id]
                continue
            for column in table.columns:
                if column.name in PERSON_COLUMNS:
                    count = await connection.execute(select(func.count()).select_from(table).where(
                        column == world.bob.id))
                    assert count.scalar_one() == 0, f"{table.name}.{column.name} still names the member"
        left = await connection.execute(select(func.count()).select_from(Follow))
        assert left.scalar_one() == 0


def _erase_button(response: Any) -> str:
    return str(next(c["custom_id"] for row in response.components for c in row["components"]
                    if c["label"] == "Erase my data"))


async def test_nothing_crosses_guilds(world: World, runner: BotRunner) -> None:
    standin = world.standin
    other = standin.add_guild("Elsewhere")
    lobby = standin.add_channel(other, "lobby")
    standin.add_member(other, world.bob.user)
    standin.add_member(other, world.alice.user)
    await runner.start()
    await script_alice_and_bob(world)
    await command(world, world.bob, "follow", member=world.carol)
    reply = await demand(world, world.bob, world.alice)
    assert "real connection" in reply.content

    elsewhere = await demand(world, other.member(world.bob.user), other.member(world.alice.user), lobby)
    assert "not yet" in elsewhere.content  # the history of Makers does not count in Elsewhere
    export = json.loads((await command(world, world.bob, "mydata", lobby)).attachments[0].content)
    assert export["interactions_made"] == {} and export["following"] == []
    assert [d["outcome"] for d in export["demands"]] == ["decline"]


async def test_a_decline_suggests_real_connections_privately_by_dm_when_preferred(world: World,
                                                                                 runner: BotRunner) -> None:
    standin = world.standin
    await runner.start()
    previous = None
    for turn in range(4):  # Carol and Dave reply to each other
        previous = await standin.send_message(world.art, world.carol if turn % 2 == 0 else world.dave, "",
                                              reply_to=previous)
    await command(world, world.carol, "prefs", explanations="dm")
    reply = await demand(world, world.carol, world.alice)
    private, text = await press(world, reply, "Why?", world.carol)
    assert private and "by DM" in text
    explained = (await dm_to(world, world.carol)).content
    assert "the policy asks" in explained
    assert f"real conversations with <@{world.dave.id}>" in explained


async def test_scope_and_reply_mode(world: World, runner: BotRunner) -> None:
    runner.configure(scope={"deny_channels": [world.art.id], "reply_mode": "dm"})
    await runner.start()
    ignored = await world.standin.send_message(world.art, world.dave, f"{world.bot_mention} follow me back")
    answered = await world.standin.send_message(world.general, world.dave, f"{world.bot_mention} follow me back")
    reply = await dm_to(world, world.dave)
    assert "I don't follow anyone" in reply.content
    await settle(world)
    assert world.standin.bot_messages(world.art) == [] and world.standin.bot_messages(world.general) == []
    stored = await runner.bot.store.latest_demand(world.guild.id, world.dave.id, world.standin.bot.id)
    assert stored is not None and stored.message_id == answered.id != ignored.id
    private, why = await press(world, reply, "Why?", world.dave)  # pressed in the DM: no guild there
    assert private and "I follow nobody" in why


async def test_thread_mode_answers_every_target_in_one_thread(world: World, runner: BotRunner) -> None:
    runner.configure(scope={"reply_mode": "thread"})
    await runner.start()
    sent = await world.standin.send_message(
        world.general, world.dave, f"{world.bot_mention} <@{world.alice.id}> <@{world.bob.id}> f4f?")
    await world.standin.wait_for("POST", rf"/channels/{world.general.id}/messages/{sent.id}/threads", timeout=5)
    first = await world.standin.wait_for("POST", r"/channels/\d+/messages", timeout=5)
    second = await world.standin.wait_for("POST", r"/channels/\d+/messages", timeout=5)
    assert first.path == second.path != f"/channels/{world.general.id}/messages"
    assert len(world.standin.requests.filter("POST", r"/channels/\d+/messages/\d+/threads")) == 1


async def test_not_now_is_respected_when_asked_again(world: World, runner: BotRunner) -> None:
    runner.configure(policy={"cooldown_minutes": 0})
    await runner.start()
    await script_alice_and_bob(world)
    await demand(world, world.bob, world.alice)
    await press(world, await consent_request(world), "Not now", world.alice)
    again = await demand(world, world.bob, world.alice)
    assert "real connection" in again.content
    await settle(world)
    asks = world.standin.requests.filter(
        "POST", rf"/channels/{world.general.id}/messages",
        lambda r: "would like to connect" in str((r.json or {}).get("content")))
    assert len(asks) == 1  # Alice is not pinged a second time


async def test_why_never_points_into_a_channel_the_requester_cannot_see(world: World,
                                                                      runner: BotRunner) -> None:
    standin = world.standin
    hidden = standin.add_channel(world.guild, "inner-circle")
    standin.set_overwrite(hidden, world.guild.everyone, deny=Permissions.VIEW_CHANNEL)
    standin.set_overwrite(hidden, world.alice, allow=Permissions.VIEW_CHANNEL)
    standin.set_overwrite(hidden, world.bob, allow=Permissions.VIEW_CHANNEL)
    standin.set_overwrite(hidden, standin.bot, allow=Permissions.VIEW_CHANNEL)  # the bot records it
    await runner.start()
    previous = None
    for turn in range(4):  # Alice is active only where Carol cannot look
        previous = await standin.send_message(hidden, world.alice if turn % 2 == 0 else world.bob, "",
                                              reply_to=previous)
    reply = await demand(world, world.carol, world.alice)
    _, why = await press(world, reply, "Why?", world.carol)
    assert f"<#{hidden.id}>" not in why and "join their conversations" in why


async def test_one_sided_engagement_proposes_and_always_asks(world: World, runner: BotRunner) -> None:
    standin = world.standin
    await runner.start()
    await command(world, world.alice, "prefs", auto_accept=True)  # auto-accept covers genuine, mutual only
    start = datetime.now(UTC) - timedelta(days=6)
    for day in range(5):  # Dave replies to Alice's posts (an established member now); Alice never answers him
        post = await standin.send_message(world.art, world.alice, "", timestamp=start + timedelta(days=day))
        await standin.send_message(world.art, world.dave, "", reply_to=post,
                                   timestamp=start + timedelta(days=day, hours=1))
    reply = await demand(world, world.dave, world.alice)
    assert "I've asked" in reply.content
    request = await consent_request(world)
    await press(world, request, "Connect", world.alice)
    assert (world.alice.id, world.dave.id) in await follows(runner, world.guild.id)
    stored = await runner.bot.store.latest_demand(world.guild.id, world.dave.id, world.alice.id)
    assert stored is not None and stored.outcome == "propose"
