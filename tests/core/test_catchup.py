"""Catch-up's pure parts: which channels are read from where, and who handles each message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.backfill import snowflake_at
from bot.core.catchup import Budget, ChannelState, Handover, Reading, is_fresh, plan

NOW = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
SINCE = NOW - timedelta(hours=24)


def at(minutes_ago: float) -> int:
    return snowflake_at(NOW - timedelta(minutes=minutes_ago))


def test_only_channels_with_news_since_the_window_are_read_newest_first_from_their_record() -> None:
    channels = [ChannelState(1, at(60), at(90)),  # news since its record
                ChannelState(2, at(5), at(30)),  # the newest news
                ChannelState(3, at(30), at(30)),  # nothing after its record
                ChannelState(4, at(3000), at(4000)),  # quiet for longer than the window
                ChannelState(5, None, None)]  # never had a message
    assert plan(channels, None, SINCE) == [Reading(2, at(30)), Reading(1, at(90))]


def test_history_older_than_the_window_is_never_read() -> None:
    assert plan([ChannelState(1, at(10), at(3000))], None, SINCE) == [Reading(1, snowflake_at(SINCE) - 1)]


def test_a_channel_with_nothing_recorded_starts_at_the_guilds_record_and_a_silent_guild_is_left_alone() -> None:
    assert plan([ChannelState(7, at(10), None)], at(60), SINCE) == [Reading(7, at(60))]
    assert plan([ChannelState(7, at(10), None)], None, SINCE) == []


def test_catch_up_stops_where_live_delivery_began_and_live_skips_what_catch_up_had() -> None:
    handover = Handover()
    assert handover.caught_up(1, 10, 100)
    assert not handover.live(1, 10, 100)  # caught up already: live stays out
    assert handover.live(1, 10, 200)
    assert not handover.caught_up(1, 10, 200) and not handover.caught_up(1, 10, 300)
    assert handover.caught_up(1, 10, 150)  # said during the gap, before live delivery began
    assert handover.caught_up(1, 11, 300)  # another channel: live has not started there
    handover.new_session([1])
    assert handover.caught_up(1, 10, 400) and not handover.live_started(1, 10)


def test_freshness_and_the_budget() -> None:
    assert is_fresh(NOW - timedelta(minutes=10), NOW, 10) and not is_fresh(NOW - timedelta(minutes=11), NOW, 10)
    budget = Budget(3)
    assert budget.take(2) and not budget.take(2) and budget.take() and not budget.take()
    assert budget.used == 3


def test_a_channel_left_unfinished_goes_first() -> None:
    channels = [ChannelState(1, at(1), at(5)), ChannelState(2, at(30), at(60), unfinished=True)]
    assert [reading.channel_id for reading in plan(channels, None, SINCE)] == [2, 1]
