"""Backfill end to end: the real bot (`quidprono run`) reads history from the stand-in, paged as Discord
pages it, through a 429 and a restart, and records exactly what live ingestion records."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.storage.models import BackfillCursor, InteractionEvent, Post
from standin import Channel, Guild, Member, Message, Permissions, StandIn
from tests.e2e.conftest import BotProcess, World

PER_CHANNEL = 1_500  # 16 pages a channel: enough to stop half-way and resume (bench/ measures speed)
CHANNELS = 3
# Full pages of 100, then one reaching the window's start, in each channel.
TOTAL_PAGES = CHANNELS * (PER_CHANNEL // 100 + 1)
HISTORY_GET = r"/channels/\d+/messages"
# (seconds to the next message, weight): chatter, pauses around the 5-minute conversation gap, silences.
PACE = [(15, 20), (60, 25), (180, 15), (299, 8), (300, 4), (301, 8), (600, 12), (1800, 8)]


@dataclass(frozen=True)
class Planned:
    channel: int  # index
    author: int  # index into the members
    at: datetime
    reply_to: int | None  # index of an earlier message in the same channel
    mention: int | None  # a member index mentioned in the text
    demand: bool  # mentions the bot with a demand: not engagement
    reactors: tuple[int, ...]
    by_other_bot: bool


def plan(seed: int, start: datetime) -> list[list[Planned]]:
    """The same history for both guilds: 3 channels x 1,500 messages over ~5 days."""
    rng = random.Random(seed)
    paces, weights = zip(*PACE, strict=True)
    channels = []
    for channel in range(CHANNELS):
        at, messages = start + timedelta(minutes=channel), []
        for index in range(PER_CHANNEL):
            at += timedelta(seconds=rng.choices(paces, weights)[0])
            messages.append(Planned(
                channel=channel, author=rng.randrange(8), at=at,
                reply_to=rng.randrange(max(0, index - 20), index) if index and rng.random() < 0.3 else None,
                mention=rng.randrange(8) if rng.random() < 0.1 else None,
                demand=rng.random() < 0.005, by_other_bot=rng.random() < 0.01,
                reactors=tuple(rng.sample(range(8), rng.randint(1, 3))) if rng.random() < 0.03 else (),
            ))
            if messages[-1].by_other_bot:  # (live ingestion credits reactions on a bot's post to that bot)
                messages[-1] = replace(messages[-1], reactors=())
        channels.append(messages)
    return channels


@dataclass
class Server:
    guild: Guild
    channels: list[Channel]
    members: list[Member]
    helper: Member
    messages: dict[int, tuple[int, int]]  # message id -> (channel index, message index)


def server(standin: StandIn, name: str, users: list[Any], helper_user: Any) -> Server:
    guild = standin.add_guild(name)
    channels = [standin.add_channel(guild, f"chat-{n}") for n in range(CHANNELS)]
    members = [standin.add_member(guild, user) for user in users]
    return Server(guild, channels, members, standin.add_member(guild, helper_user, bot=True), {})


async def write(standin: StandIn, target: Server, history: list[list[Planned]], *, live: bool) -> None:
    """Post the planned history: stored only (it happened before the bot came), or live through the gateway."""
    post = standin.send_message if live else None
    for planned_channel in history:
        posted: list[Message] = []
        for index, p in enumerate(planned_channel):
            channel = target.channels[p.channel]
            author = target.helper if p.by_other_bot else target.members[p.author]
            text = f"message {index}"
            if p.mention is not None:
                text += f" <@{target.members[p.mention].user.id}>"
            if p.demand:
                text = f"<@{standin.bot.id}> follow me back pls"
            reply_to = posted[p.reply_to] if p.reply_to is not None else None
            if post is not None:
                message = await post(channel, author, text, reply_to=reply_to, timestamp=p.at)
            else:
                message = standin.add_message(channel, author, text, reply_to=reply_to, timestamp=p.at)
            posted.append(message)
            target.messages[message.id] = (p.channel, index)
            for reactor in p.reactors:
                await standin.add_reaction(message, target.members[reactor], "👍")


Row = tuple[int, int, str, int, int, datetime | None]


async def history_of(process: BotProcess, target: Server) -> set[Row]:
    """The stored interactions, with message and channel ids replaced by their place in the plan."""
    e = InteractionEvent
    async with process.store() as store, store.engine.connect() as connection:
        result = await connection.execute(select(e.actor_id, e.target_id, e.kind, e.source_id, e.occurred_at)
                                          .where(e.guild_id == target.guild.id))
        rows = result.all()
    found = set()
    for actor, whom, kind, source, at in rows:
        channel, index = target.messages[source]
        # A live reaction is dated when it happens, a backfilled one at its message's time: compare the rest.
        found.add((actor, whom, kind, channel, index, None if kind == "reaction" else at.replace(tzinfo=UTC)))
    return found


async def posts_of(process: BotProcess, target: Server) -> set[tuple[int, int, int, datetime]]:
    """The recorded posts (what /feed links to), placed in the plan like `history_of`."""
    async with process.store() as store, store.engine.connect() as connection:
        result = await connection.execute(select(Post.author_id, Post.message_id, Post.created_at)
                                          .where(Post.guild_id == target.guild.id))
        return {(author, *target.messages[message], at.replace(tzinfo=UTC)) for author, message, at in result.all()}


async def cursors(process: BotProcess, guild: Guild) -> list[tuple[int | None, int, bool]]:
    c = BackfillCursor
    async with process.store() as store, store.engine.connect() as connection:
        result = await connection.execute(select(c.before_id, c.messages_read, c.done).where(c.guild_id == guild.id)
                                          .order_by(c.channel_id))
        return [(before, read, done) for before, read, done in result.all()]


def history_pages(standin: StandIn, guild_channels: list[Channel], since: int = 0) -> list[Any]:
    ids = {str(channel.id) for channel in guild_channels}
    return [r for r in standin.requests.filter("GET", HISTORY_GET, since=since) if r.path.split("/")[2] in ids]


async def wait_until(condition: Callable[[], Awaitable[bool] | bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await _value(condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout}s")
        await asyncio.sleep(0.1)


async def build(s: StandIn) -> tuple[Server, Server, Member, list[list[Planned]]]:
    """Two servers with the same members: "Old" gets the history before the bot arrives, "Live" later."""
    users = [s.add_user(f"member{n}") for n in range(8)]
    helper = s.add_user("helperbot", bot=True)
    old, live = server(s, "Old", users, helper), server(s, "Live", users, helper)
    mod = s.add_member(old.guild, "mod", permissions=Permissions.MANAGE_GUILD)
    history = plan(seed=7, start=datetime.now(UTC) - timedelta(days=18))
    # 40 days back: outside the 30-day window, so it must not be recorded (it has no place in the plan).
    s.add_message(old.channels[0], old.members[0], f"<@{users[1].id}>",
                  timestamp=datetime.now(UTC) - timedelta(days=40))
    await write(s, old, history, live=False)
    return old, live, mod, history


async def interrupted_half_way(s: StandIn, bot_process: BotProcess, old: Server, mod: Member, mark: int) -> None:
    """Start the backfill with /quidpro backfill, watch its progress, and stop the bot half-way."""
    handle = await s.slash_command(old.channels[0], mod, "quidpro backfill", {"days": 30})
    response = await handle.wait_response(timeout=5)
    assert response.ephemeral and (response.content or "").startswith("Backfill starting: reading history since")
    assert [c["custom_id"] for row in response.components for c in row["components"]] == [
        f"qpn:backfill:cancel:{old.guild.id}"]

    # Half-way through the pages, the bot is stopped, as a deploy or a crash would.
    half = TOTAL_PAGES // 2
    await wait_until(lambda: len(history_pages(s, old.channels, mark)) >= half, 60, f"{half} history pages")
    assert await bot_process.stop() == 0
    partial = await cursors(bot_process, old.guild)
    assert len(partial) == CHANNELS and not all(done for _, _, done in partial)
    assert sum(read for _, read, _ in partial) > 0

    progress = [edit["content"] for edit in handle.edits if "running" in (edit.get("content") or "")]
    assert progress, "the progress message was edited in place"
    assert all("channels done" in text and "messages read" in text and "left" in text for text in progress)
    assert all(edit.get("components") for edit in handle.edits)  # Cancel stays under the progress message


async def test_backfill_through_a_429_and_a_restart_equals_live_ingestion(world: World,
                                                                         bot_process: BotProcess) -> None:
    s = world.standin
    old, live, mod, history = await build(s)
    bot_process.write_config(backfill={"progress_seconds": 0.3})
    await bot_process.start()
    mark = s.mark()
    ratelimit = s.inject_ratelimit("GET", rf"/channels/{old.channels[1].id}/messages", retry_after=0.5,
                                   predicate=lambda request: "before" in request.query)
    await interrupted_half_way(s, bot_process, old, mod, mark)

    # Restarted, the bot carries on from its cursors by itself.
    await bot_process.start()
    await wait_until(lambda: _all_done(bot_process, old.guild), 120, "every channel backfilled")
    pages = history_pages(s, old.channels, mark)

    assert len(ratelimit.hits) == 1  # the 429 came, was waited out, and paging went on
    assert all(r.query["limit"] == "100" for r in pages)
    # Resumed, not restarted: only the stretch in progress at the stop is read again (a few pages).
    assert len(pages) - TOTAL_PAGES < 10, (len(pages), TOTAL_PAGES)
    log = bot_process.log()
    assert "event=backfill_resuming" in log and "event=backfill_finished" in log
    assert "message 1" not in log and s.token not in log  # no message text, no token in the logs

    # The same history, live: what the bot records from the gateway is exactly what the backfill recorded.
    await write(s, live, history, live=True)
    await s.flush()
    backfilled = await history_of(bot_process, old)
    await wait_until(lambda: _same_size(bot_process, live, len(backfilled)), 60, "live ingestion to catch up")
    assert backfilled == await history_of(bot_process, live)
    posts = await posts_of(bot_process, old)
    assert posts == await posts_of(bot_process, live)
    # Every member's message is a post, except demands: demanding is not taking part.
    assert len(posts) == sum(not p.demand and not p.by_other_bot for channel in history for p in channel)
    assert any(p.demand and not p.by_other_bot for channel in history for p in channel)
    assert {row[2] for row in backfilled} == {"reply", "mention", "conversation", "reaction"}
    read = sum(read for _, read, _ in await cursors(bot_process, old.guild))
    assert read == CHANNELS * PER_CHANNEL  # each message counted once, the restart notwithstanding


async def _value(result: Awaitable[bool] | bool) -> bool:
    return result if isinstance(result, bool) else await result


async def _all_done(process: BotProcess, guild: Guild) -> bool:
    rows = await cursors(process, guild)
    return bool(rows) and all(done for _, _, done in rows)


async def _same_size(process: BotProcess, target: Server, size: int) -> bool:
    return len(await history_of(process, target)) >= size
