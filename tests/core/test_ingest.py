"""What a message is worth recording, and conversation turns that cannot be farmed."""

from __future__ import annotations

from datetime import timedelta

from bot.core.ingest import ConversationTracker, MessageFacts, interactions_from_message, not_erased
from bot.core.model import Interaction, InteractionKind, PostRef
from tests.factories import GUILD, NOW

ALICE, BOB, CAROL = 1, 2, 3


def message(author: int, *, seconds: float = 0, channel: int = 7, reply_to: int | None = None,
            mentions: tuple[int, ...] = (), message_id: int = 100) -> MessageFacts:
    return MessageFacts(GUILD, channel, message_id, author, NOW + timedelta(seconds=seconds), reply_to, mentions)


def test_a_reply_counts_once_and_other_mentions_as_mentions() -> None:
    found = interactions_from_message(message(BOB, reply_to=ALICE, mentions=(ALICE, CAROL, CAROL, BOB)))
    assert [(i.target_id, i.kind) for i in found] == [(ALICE, InteractionKind.REPLY), (CAROL, InteractionKind.MENTION)]
    assert interactions_from_message(message(BOB, reply_to=BOB)) == []


def test_talking_after_someone_within_the_gap_is_a_turn() -> None:
    tracker = ConversationTracker(timedelta(minutes=5))
    assert tracker.observe(message(ALICE)) is None
    turn = tracker.observe(message(BOB, seconds=60, message_id=101))
    assert turn is not None and (turn.actor_id, turn.target_id, turn.source_id) == (BOB, ALICE, 101)
    assert tracker.observe(message(CAROL, seconds=60 + 301)) is None  # too late after Bob
    assert tracker.observe(message(ALICE, seconds=400, channel=8)) is None  # another channel


def test_a_pair_earns_one_turn_per_gap_however_fast_they_alternate() -> None:
    tracker = ConversationTracker(timedelta(minutes=5))
    turns = [tracker.observe(message(ALICE if i % 2 == 0 else BOB, seconds=i)) for i in range(100)]
    assert len([t for t in turns if t is not None]) == 2
    later = tracker.observe(message(ALICE, seconds=100 + 300))
    assert later is None  # Alice after Alice
    assert tracker.observe(message(BOB, seconds=100 + 301)) is not None  # a new gap: a new turn


def test_memory_is_bounded() -> None:
    tracker = ConversationTracker(timedelta(minutes=5), max_channels=10, max_pairs=10)
    for channel in range(1_000):
        tracker.observe(message(ALICE, channel=channel))
        tracker.observe(message(BOB, channel=channel, seconds=1))
    assert len(tracker._last) == 10 and len(tracker._credited) == 10


def test_nothing_about_an_erased_member_from_before_the_erasure_is_kept() -> None:
    alice, bob, carol, elsewhere = 1, 2, 3, GUILD + 1
    erased = {(GUILD, alice): NOW}

    def reply(actor: int, target: int, at: timedelta, guild: int = GUILD) -> Interaction:
        return Interaction(guild, actor, target, InteractionKind.REPLY, 10, 100, NOW + at)

    kept: list[Interaction | PostRef] = [
        reply(bob, carol, -timedelta(hours=1)),  # not about her
        reply(alice, bob, timedelta(seconds=1)),  # after the erasure
        reply(alice, bob, -timedelta(hours=1), guild=elsewhere),  # another guild
        PostRef(GUILD, 10, 101, bob, NOW - timedelta(hours=1)),
    ]
    dropped: list[Interaction | PostRef] = [
        reply(alice, bob, -timedelta(hours=1)),
        reply(bob, alice, timedelta(0)),  # at the erasure counts as before it
        PostRef(GUILD, 10, 102, alice, NOW - timedelta(minutes=1)),
    ]
    assert not_erased([*dropped, *kept], erased) == kept
    assert not_erased(dropped, {}) == dropped
