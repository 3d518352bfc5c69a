"""The playground end to end: the seeded community reaches the real bot, the tour tells a true story, ephemeral
answers stay with their member, several pages stay in step, and reset brings back the seed."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.demo import Demo
from standin.playground import PlaygroundApp
from standin.playground.tour import STEPS
from tests.demo.conftest import Client


def _bot_messages(messages: list[dict[str, Any]], bot_id: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["author"]["id"] == bot_id]


def _buttons(message: dict[str, Any]) -> list[str]:
    return [c["label"] for row in message["components"] for c in row["components"]]


async def test_the_seeded_community_has_weeks_of_history_the_bot_backfilled(demo: Demo, client: Client) -> None:
    world = await client.get("/api/world?as=rosa")
    assert len(world["members"]) >= 12 and len(world["channels"]) >= 3
    history = demo.community.history
    assert datetime.now(UTC) - min(m.timestamp for m in history) > timedelta(days=21)
    assert sum(len(m.reactions) for m in history) > 50 and sum(m.referenced is not None for m in history) > 50
    backfill = [m for m in await client.messages("general", "rosa") if m["ephemeral"]]
    assert backfill and backfill[-1]["content"].startswith("Backfill finished")
    read = int(backfill[-1]["content"].split(": ")[1].split(" messages")[0].replace(",", ""))
    assert read == len(history)  # every seeded message reached the bot
    assert not [m for m in await client.messages("general", "nico") if m["ephemeral"]]  # the moderator's only


async def test_slash_commands_are_listed_as_each_member_may_use_them(client: Client) -> None:
    member = {c["command"] for c in (await client.get("/api/world?as=nico"))["commands"]}
    moderator = {c["command"] for c in (await client.get("/api/world?as=rosa"))["commands"]}
    assert {"follow", "forget-me", "mydata"} <= member
    assert "quidpro policy simulate" in moderator and "quidpro policy simulate" not in member


async def test_the_tour_runs_to_its_end_through_the_real_bot(demo: Demo, client: Client) -> None:
    bot_id = str(demo.community.standin.bot.id)
    maya, sam, nico = (str(demo.community.member(h).id) for h in ("maya", "sam", "nico"))

    await client.post("/api/tour/next")  # the newcomer demands
    decline = _bot_messages(await client.messages("general", "nico"), bot_id)[-1]
    assert "not yet" in decline["content"] and _buttons(decline) == ["Why?"]
    assert not any(ch.isdigit() for ch in decline["content"].replace(nico, ""))  # no numbers in public

    await client.post("/api/tour/next")  # Why?
    why = [m for m in await client.messages("general", "nico") if m["ephemeral"]]
    assert len(why) == 1 and "the policy asks" in why[0]["content"] and "A way to get there" in why[0]["content"]
    assert not [m for m in await client.messages("general", "maya") if m["ephemeral"]]

    await client.post("/api/tour/next")  # the engaged member asks
    ask = _bot_messages(await client.messages("general", "maya"), bot_id)[-1]
    assert f"<@{maya}>" in ask["content"] and f"<@{sam}>" in ask["content"]
    assert _buttons(ask) == ["Connect", "Not now"]

    await client.post("/api/tour/next")  # Maya accepts
    replies = _bot_messages(await client.messages("general", "maya"), bot_id)
    assert any(m["content"] == f"<@{sam}> and <@{maya}> are now connected." for m in replies)
    assert [m["content"] for m in await client.messages("dm", "sam")] == [f"<@{sam}> and <@{maya}> are now connected."]
    assert (await client.get("/api/world?as=sam"))["dm"]["messages"] == 1
    assert await client.messages("dm", "maya") == []  # each member sees only their own direct messages

    await client.post("/api/tour/next")  # the daily cap
    capped = _bot_messages(await client.messages("general", "nico"), bot_id)[-1]
    assert "that's all the demands I'll answer for you today" in capped["content"]

    await client.post("/api/tour/next")  # the moderator simulates
    report = [m for m in await client.messages("general", "rosa") if m["ephemeral"] and "Dry run" in m["content"]]
    assert report and "held back by the daily cap" in report[0]["content"]
    assert not [m for m in await client.messages("general", "nico") if "Dry run" in m["content"]]

    played = await client.post("/api/tour/next")  # the moderator's numbers
    assert played["tour"]["position"] == len(STEPS)
    chart = next(a for m in await client.messages("general", "rosa") for a in m["attachments"])
    async with client.session.get(client.url + chart["url"].lstrip("/")) as response:
        assert response.content_type == "image/png" and (await response.read()).startswith(b"\x89PNG")

    over = await client.post("/api/tour/next", status=400)
    assert "reset" in over["error"]


async def test_a_member_plays_through_the_api_and_other_members_do_not_see_private_answers(
        demo: Demo, client: Client) -> None:
    bot_id = str(demo.community.standin.bot.id)
    maya = demo.community.member("maya").id
    sent = await client.post("/api/channels/general/messages",
                             {"as": "jonah", "content": f"<@{bot_id}> <@{maya}> follow me back?"})
    general = demo.community.channels["general"]
    await demo.community.standin.wait_for_bot_message(
        general, lambda m: m.referenced is not None and m.referenced.id == int(sent["id"]), timeout=10)
    reply = await _reply_to(client, "jonah", sent["id"])
    assert reply is not None
    why = next(c["custom_id"] for row in reply["components"] for c in row["components"])
    await client.post(f"/api/messages/{reply['id']}/buttons", {"as": "jonah", "custom_id": why})
    assert [m for m in await client.messages("general", "jonah") if m["ephemeral"]]
    assert not [m for m in await client.messages("general", "theo") if m["ephemeral"]]

    await client.post("/api/commands", {"as": "theo", "channel_id": "general", "command": "follow",
                                        "options": {"member": str(maya)}})
    mine = [m for m in await client.messages("general", "theo") if m["ephemeral"]]
    assert mine and mine[-1]["content"] == f"You now follow <@{maya}>."

    refused = await client.post("/api/commands", {"as": "theo", "channel_id": "general",
                                                  "command": "quidpro stats", "options": {}}, status=400)
    assert "lacks the permissions" in refused["error"]
    bad = await client.post("/api/channels/general/messages", {"as": "nobody", "content": "hi"}, status=400)
    assert "No member" in bad["error"]


async def _reply_to(client: Client, viewer: str, message_id: str) -> dict[str, Any] | None:
    for message in await client.messages("general", viewer):
        if (message.get("message_reference") or {}).get("message_id") == message_id:
            return message
    return None


async def test_pages_hear_of_every_change_and_reset_brings_back_the_seed(
        demo: Demo, app: PlaygroundApp, client: Client) -> None:
    first_guild = demo.community.guild.id
    async with client.session.get(client.url + "api/events") as events:
        await events.content.readline()  # the current version
        await events.content.readline()
        await client.post("/api/channels/general/messages", {"as": "ava", "content": "hello from another tab"})
        line = await asyncio.wait_for(events.content.readline(), 5)
        while not line.startswith(b"data:"):
            line = await asyncio.wait_for(events.content.readline(), 5)
        assert json.loads(line[5:])["version"] > 0

    await client.post("/api/tour/next")
    await client.post("/api/reset")
    world = await client.get("/api/world?as=nico")
    assert demo.community.guild.id != first_guild and world["tour"]["position"] == 0
    messages = await client.messages("general", "nico")
    assert not any(m["content"] == "hello from another tab" for m in messages)
    assert not _bot_messages(messages, str(demo.community.standin.bot.id))


async def test_the_cap_step_counts_what_the_visitor_already_asked_as_the_newcomer(demo: Demo, client: Client) -> None:
    bot_id = str(demo.community.standin.bot.id)
    theo = demo.community.member("theo")
    sent = await client.post("/api/channels/music/messages",
                             {"as": "nico", "content": f"<@{bot_id}> <@{theo.id}> follow me back"})
    await demo.community.standin.wait_for_bot_message(
        demo.community.channels["music"], lambda m: m.referenced is not None and m.referenced.id == int(sent["id"]),
        timeout=10)
    for _ in range(5):  # up to and including the cap
        await client.post("/api/tour/next")
    capped = _bot_messages(await client.messages("general", "nico"), bot_id)[-1]
    assert "that's all the demands I'll answer for you today" in capped["content"]


async def test_bad_requests_get_a_clear_answer(client: Client) -> None:
    async with client.session.post(client.url + "api/channels/general/messages", data=b"{not json") as response:
        assert response.status == 400 and "JSON" in (await response.json())["error"]
    empty = await client.post("/api/channels/general/messages", {"as": "ava", "content": "   "}, status=400)
    assert "Type a message" in empty["error"]
    too_long = await client.post("/api/channels/general/messages", {"as": "ava", "content": "x" * 2001}, status=400)
    assert "2000" in too_long["error"]
    nowhere = await client.post("/api/channels/nowhere/messages", {"as": "ava", "content": "hi"}, status=400)
    assert "No channel" in nowhere["error"]
    gone = await client.post("/api/messages/123/reactions", {"as": "ava", "emoji": "👍"}, status=400)
    assert "gone" in gone["error"]
    unknown = await client.post("/api/commands", {"as": "ava", "channel_id": "general", "command": "nope"}, status=400)
    assert "no /nope" in unknown["error"]
    wrong = await client.post("/api/commands", {"as": "ava", "channel_id": "general", "command": "follow",
                                                "options": {"member": "nobody"}}, status=400)
    assert "nobody" in wrong["error"]
