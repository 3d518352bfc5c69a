"""Backfill's pure parts: history read newest first gives exactly what live ingestion gave oldest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.backfill import (
    ChannelProgress,
    Progress,
    Stretches,
    describe,
    replay,
    seconds_left,
    snowflake_at,
    snowflake_time,
)
from bot.core.ingest import ConversationTracker, MessageFacts, records_of
from bot.core.model import Interaction, PostRef

GAP = timedelta(minutes=5)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def live(messages: list[MessageFacts]) -> list[Interaction | PostRef]:
    """What the Ingest cog records, message by message as they arrive."""
    tracker = ConversationTracker(GAP)
    return [record for facts in messages for record in records_of(facts, tracker)]


def backfilled(messages: list[MessageFacts], max_stretch: int = 20_000) -> list[Interaction | PostRef]:
    stretches, found = Stretches(GAP, max_stretch), list[Interaction | PostRef]()
    for facts in reversed(messages):  # Discord pages newest first
        completed = stretches.push(facts)
        if completed:
            found.extend(replay(completed, GAP))
    found.extend(replay(stretches.finish(), GAP))
    return found


@st.composite
def channel_history(draw: st.DrawFn) -> list[MessageFacts]:
    """A channel of up to 4 people with gaps around the conversation gap, replies and mentions."""
    count = draw(st.integers(1, 80))
    at, messages = T0, []
    for n in range(count):
        at += timedelta(seconds=draw(st.sampled_from([0, 30, 120, 290, 300, 301, 600, 3600])))
        author = draw(st.integers(1, 4))
        reply_to = draw(st.one_of(st.none(), st.integers(1, 4)))
        mentions = tuple(draw(st.lists(st.integers(1, 4), max_size=2)))
        messages.append(MessageFacts(1, 10, 1000 + n, author, at, reply_to, mentions))
    return messages


@settings(max_examples=300, deadline=None)
@given(channel_history())
def test_reading_newest_first_in_stretches_equals_live_ingestion(messages: list[MessageFacts]) -> None:
    assert sorted(backfilled(messages), key=repr) == sorted(live(messages), key=repr)


def test_a_stretch_ends_only_at_a_silence_longer_than_the_gap() -> None:
    times = [0, 60, 360, 420, 720]  # silences: 300 s (exactly the gap: still a conversation), then 300 s
    messages = [MessageFacts(1, 10, n, 1 + n % 2, T0 + timedelta(seconds=s)) for n, s in enumerate(times)]
    stretches = Stretches(GAP)
    assert [stretches.push(m) for m in reversed(messages)] == [None] * 5
    messages.append(MessageFacts(1, 10, 9, 1, T0 + timedelta(seconds=1021)))  # 301 s later: a new stretch
    stretches = Stretches(GAP)
    assert stretches.push(messages[-1]) is None
    assert stretches.push(messages[-2]) == [messages[-1]]


def test_snowflakes_and_times_round_trip() -> None:
    moment = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
    assert snowflake_time(snowflake_at(moment)) == moment
    assert snowflake_time(snowflake_at(moment) - 1) < moment


def test_progress_and_time_left() -> None:
    since, until = T0, T0 + timedelta(days=10)
    progress = Progress([ChannelProgress(True, None), ChannelProgress(False, T0 + timedelta(days=5)),
                         ChannelProgress(False, None)], 1234, since, until)
    assert progress.fraction() == 0.5  # (1 + 0.5 + 0) / 3
    assert seconds_left(progress, 30.0) == 30.0
    assert describe(progress, 30.0) == ("Backfill running: 1/3 channels done, 1,234 messages read,"
                                        " about 30 s left (50%).")
    fresh = Progress([ChannelProgress(False, None)], 0, since, until)
    assert seconds_left(fresh, 1.0) is None and "estimating time left" in describe(fresh, 1.0)
