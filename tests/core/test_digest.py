"""The audit digest: a few entries one by one, a burst as one digest per window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.digest import MESSAGE_LIMIT, AuditLine, DigestBuffer, format_digest

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = timedelta(seconds=60)


def verdict(n: int, outcome: str = "decline", requester: int = 7) -> AuditLine:
    return AuditLine(f"Verdict #{n}", outcome, requester)


def test_entries_under_the_threshold_are_posted_at_once() -> None:
    buffer = DigestBuffer()
    posted = [buffer.offer(1, verdict(n), T0 + timedelta(seconds=n), threshold=3, window=WINDOW) for n in range(3)]
    assert [line.text for line in posted if line] == ["Verdict #0", "Verdict #1", "Verdict #2"]
    assert buffer.due(T0 + timedelta(seconds=61)) == {}


def test_a_burst_becomes_one_digest_when_the_window_closes() -> None:
    buffer = DigestBuffer()
    outcomes = ["decline"] * 6 + ["connect"] * 3 + ["cooldown"]
    posted = [buffer.offer(1, verdict(n, outcome, requester=100 + n % 2), T0 + timedelta(seconds=n),
                           threshold=3, window=WINDOW) for n, outcome in enumerate(outcomes)]
    assert sum(line is not None for line in posted) == 3
    assert buffer.pending(1) == 7
    assert buffer.due(T0 + timedelta(seconds=59)) == {}  # the window is still open
    digest = buffer.due(T0 + timedelta(seconds=60))[1]
    assert digest.startswith("**Digest**: 7 more audit entries in the last 60 s.")
    assert "Outcomes: connect 3, decline 3, cooldown 1." in digest  # ties alphabetically
    assert "Most demands from: <@101> (4), <@100> (3)." in digest
    assert [line for line in digest.splitlines() if line.startswith("- ")] == [f"- Verdict #{n}" for n in range(3, 10)]
    # The next window starts afresh: entries are posted one by one again.
    assert buffer.offer(1, verdict(11), T0 + timedelta(seconds=61), threshold=3, window=WINDOW) is not None


def test_guilds_have_their_own_windows_and_thresholds() -> None:
    buffer = DigestBuffer()
    assert buffer.offer(1, verdict(1), T0, threshold=1, window=WINDOW) is not None
    assert buffer.offer(1, verdict(2), T0, threshold=1, window=WINDOW) is None
    assert buffer.offer(2, verdict(3), T0, threshold=1, window=timedelta(seconds=5)) is not None
    assert buffer.offer(2, verdict(4), T0, threshold=1, window=timedelta(seconds=5)) is None
    assert set(buffer.due(T0 + timedelta(seconds=5))) == {2}
    assert set(buffer.due(T0 + timedelta(seconds=60))) == {1}


def test_an_entry_arriving_before_a_due_digest_is_collected_joins_it() -> None:
    buffer = DigestBuffer()
    for n in range(3):
        buffer.offer(1, verdict(n), T0, threshold=1, window=WINDOW)
    assert buffer.offer(1, verdict(9), T0 + timedelta(seconds=70), threshold=1, window=WINDOW) is None
    digest = buffer.due(T0 + timedelta(seconds=70))[1]
    assert "3 more audit entries" in digest and "- Verdict #9" in digest


def test_a_huge_digest_fits_one_discord_message() -> None:
    lines = [AuditLine(f"Verdict #{n}: a long line " + "x" * 80, "decline", n) for n in range(500)]
    text = format_digest(lines, WINDOW)
    assert len(text) <= MESSAGE_LIMIT
    assert text.startswith("**Digest**: 500 more") and text.endswith("more.")
    shown = sum(line.startswith("- ") for line in text.splitlines())
    assert f"… and {500 - shown} more." in text


def test_alerts_without_outcomes_are_listed_without_totals() -> None:
    text = format_digest([AuditLine("Setting changed"), AuditLine("Backfill finished")], WINDOW)
    assert "Outcomes" not in text and "Most demands" not in text
    assert text.splitlines()[1:] == ["- Setting changed", "- Backfill finished"]
