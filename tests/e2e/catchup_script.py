"""The story the catch-up tests tell, and the figures they check: what a bot that never missed a thing
would have recorded and answered, against what the bot under a fault did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.core.ingest import ConversationTracker, MessageFacts, records_of
from bot.core.model import Interaction
from bot.storage import make_engine
from bot.storage.models import Demand, InteractionEvent, Post
from standin import Emoji, Message, Reaction
from tests.e2e.conftest import World

UNCAPPED = {"policy": {"daily_demand_cap": 1000, "cooldown_minutes": 0}}
DEMAND = "follow me back"


@dataclass
class Story:
    """Every message members wrote, and which were demands, fresh or stale when the bot came back."""

    messages: list[Message] = field(default_factory=list)
    live_demands: list[Message] = field(default_factory=list)  # answered before the gap
    stale: list[Message] = field(default_factory=list)  # written during the gap, older than 10 minutes
    fresh: list[Message] = field(default_factory=list)  # written during the gap, still worth an answer
    reactions: list[tuple[int, str, int, int]] = field(default_factory=list)  # during the gap, as stored

    @property
    def demands(self) -> list[Message]:
        return self.live_demands + self.stale + self.fresh


def demand_text(world: World, target_id: int) -> str:
    return f"{world.bot_mention} <@{target_id}> {DEMAND}"


async def before_gap(world: World, story: Story, start: datetime) -> None:
    """Live, half an hour ago: a conversation in #general and one demand (the bot answers it)."""
    w, say = world, world.standin.send_message
    first = await say(w.general, w.alice, "morning", timestamp=start)
    second = await say(w.general, w.bob, "hey", reply_to=first, timestamp=start + timedelta(seconds=20))
    third = await say(w.general, w.carol, f"<@{w.dave.id}> look", timestamp=start + timedelta(seconds=40))
    demand = await say(w.general, w.dave, demand_text(w, w.alice.id), timestamp=start + timedelta(seconds=60))
    story.messages += [first, second, third, demand]
    story.live_demands.append(demand)
    await w.standin.wait_for_bot_message(w.general, lambda reply: reply.referenced is demand, timeout=15)


async def received_not_flushed(world: World, story: Story, start: datetime) -> None:
    """Live, right after: members talk on (no demand follows, so nothing makes the bot flush these)."""
    w, say = world, world.standin.send_message
    reply = await say(w.general, w.alice, "hi bob", reply_to=story.messages[1], timestamp=start)
    mention = await say(w.art, w.bob, f"<@{w.carol.id}> new sketch", timestamp=start + timedelta(seconds=5))
    story.messages += [reply, mention]


def during_gap(world: World, story: Story, now: datetime) -> None:
    """Written while the bot heard nothing: an older stretch (20 minutes before it is back) and a fresh one."""
    w, add = world, world.standin.add_message
    old = now - timedelta(minutes=20)
    post = add(w.art, w.carol, "wip", timestamp=old)
    reply = add(w.art, w.dave, "nice", reply_to=post, timestamp=old + timedelta(seconds=30))
    stale = [add(w.general, w.carol, demand_text(w, w.bob.id), timestamp=old + timedelta(seconds=40)),
             add(w.art, w.dave, demand_text(w, w.carol.id), timestamp=old + timedelta(seconds=50))]
    fresh_post = add(w.general, w.bob, "back again")
    fresh_reply = add(w.general, w.carol, f"welcome <@{w.alice.id}>", reply_to=fresh_post)
    fresh = [add(w.general, w.alice, demand_text(w, w.bob.id)), add(w.art, w.bob, demand_text(w, w.dave.id)),
             add(w.general, w.dave, demand_text(w, w.carol.id))]
    # Bob reacts to Carol's fresh reply (the history shows who reacted, never when: dated at the message).
    fresh_reply.reactions.append(Reaction(Emoji(name="👍"), [w.bob.user]))
    story.reactions.append((fresh_reply.id, "reaction", w.bob.id, w.carol.id))
    story.messages += [post, reply, *stale, fresh_post, fresh_reply, *fresh]
    story.stale += stale
    story.fresh += fresh


def expected_interactions(story: Story, bot_id: int) -> set[tuple[int, str, int, int]]:
    """What live ingestion records for every member message in order, as (source, kind, actor, target)."""
    demand_ids = {message.id for message in story.demands}
    tracker = ConversationTracker(timedelta(minutes=5))
    found = set()
    for message in sorted(story.messages, key=lambda m: m.id):
        if message.id in demand_ids:
            continue
        replied = message.referenced.author.id if message.referenced is not None else None
        facts = MessageFacts(message.guild.id if message.guild else 0, message.channel.id, message.id,
                             message.author.id, message.timestamp, replied,
                             tuple(user.id for user in message.mentions if user.id != bot_id))
        for record in records_of(facts, tracker):
            if isinstance(record, Interaction):
                found.add((record.source_id, record.kind.value, record.actor_id, record.target_id))
    return found


@dataclass(frozen=True)
class Stored:
    interactions: list[tuple[int, str, int, int]]
    posts: list[int]
    demands: dict[int, int]  # message -> verdicts stored


async def stored(url: str) -> Stored:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            events = (await connection.execute(select(InteractionEvent.source_id, InteractionEvent.kind,
                                                      InteractionEvent.actor_id, InteractionEvent.target_id))).all()
            posts = (await connection.execute(select(Post.message_id))).scalars().all()
            demands = (await connection.execute(
                select(Demand.message_id, func.count()).group_by(Demand.message_id))).all()
    finally:
        await engine.dispose()
    return Stored([tuple(row) for row in events], list(posts),  # type: ignore[misc]
                  {message_id: count for message_id, count in demands if message_id is not None})


def replies_per_demand(world: World, story: Story) -> dict[int, int]:
    counts = {demand.id: 0 for demand in story.demands}
    for channel in (world.general, world.art):
        for reply in world.standin.bot_messages(channel):
            if reply.referenced is not None and reply.referenced.id in counts:
                counts[reply.referenced.id] += 1
    return counts


async def assert_nothing_lost(world: World, story: Story, url: str) -> Stored:
    """0 demands and 0 message interactions lost; one reply and one verdict per answered demand, stale ones
    recorded without a reply."""
    result = await stored(url)
    expected = expected_interactions(story, world.standin.bot.id) | set(story.reactions)
    got = set(result.interactions)
    assert got == expected, f"missing {expected - got}, extra {got - expected}"
    assert len(result.interactions) == len(got)  # each once
    member_posts = {m.id for m in story.messages} - {m.id for m in story.demands}
    assert sorted(result.posts) == sorted(member_posts), f"missing {member_posts - set(result.posts)}"
    assert result.demands == {demand.id: 1 for demand in story.demands}, result.demands
    replies = replies_per_demand(world, story)
    assert all(count <= 1 for count in replies.values()), replies
    assert {d.id: replies[d.id] for d in story.live_demands + story.fresh} == {
        d.id: 1 for d in story.live_demands + story.fresh}
    assert {d.id: replies[d.id] for d in story.stale} == {d.id: 0 for d in story.stale}
    return result


def half_an_hour_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=30)
