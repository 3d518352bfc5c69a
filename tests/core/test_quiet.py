"""Connections' engagement since connecting, decayed, and which have gone quiet."""

from __future__ import annotations

from datetime import timedelta

from bot.core.model import InteractionKind, TimedInteraction
from bot.core.quiet import ConnectionHistory, DigestEvery, assess, digest_due, gone_quiet, render_digest
from bot.core.settings import Weights
from tests.factories import NOW

ME, TALKER, SILENT = 1, 2, 3


def test_engagement_counts_each_way_only_since_connecting_and_decays() -> None:
    since = NOW - timedelta(days=30)
    talk = [TimedInteraction(ME, InteractionKind.REPLY, NOW),
            TimedInteraction(TALKER, InteractionKind.REPLY, NOW - timedelta(days=21)),
            TimedInteraction(TALKER, InteractionKind.REPLY, since - timedelta(days=1))]  # before connecting
    healths = assess([ConnectionHistory(TALKER, since, talk), ConnectionHistory(SILENT, since, [])], ME, Weights(),
                     21.0, NOW)
    assert [h.partner_id for h in healths] == [SILENT, TALKER]  # quietest first
    talker = healths[1]
    assert talker.score_out == 3.0 and talker.score_in == 1.5 and talker.last_interaction == NOW
    quiet = gone_quiet(healths, 30, NOW)
    assert [h.partner_id for h in quiet] == [SILENT]
    assert gone_quiet(healths, 31, NOW) == []
    text = render_digest(quiet, 30, NOW)
    assert f"1. <@{SILENT}>" in text and "no engagement either way yet" in text and "never told" in text


def test_digests_are_due_once_per_period() -> None:
    assert not digest_due(DigestEvery.WEEKLY, NOW - timedelta(days=6), NOW)
    assert digest_due(DigestEvery.WEEKLY, NOW - timedelta(days=7), NOW)
    assert not digest_due(DigestEvery.MONTHLY, NOW - timedelta(days=29), NOW)
    assert digest_due(DigestEvery.MONTHLY, NOW - timedelta(days=30), NOW)
