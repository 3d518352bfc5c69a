"""Grouping audit entries under load: a few are posted one by one, a burst becomes one digest.

Pure: the audit cog feeds entries and the clock in, and posts whatever comes out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Discord refuses messages longer than this; a digest lists entries until it would not fit.
MESSAGE_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One audit entry: the line to post, and the numbers a digest summarises."""

    text: str
    outcome: str | None = None  # a verdict's outcome; None for alerts
    requester_id: int | None = None


@dataclass(slots=True)
class _Window:
    started: datetime
    length: timedelta
    threshold: int
    posted: int = 0
    held: list[AuditLine] = field(default_factory=list)

    def closed(self, now: datetime) -> bool:
        return now - self.started >= self.length


class DigestBuffer:
    """Per guild: the first `threshold` entries of a window are posted at once, later ones are held and
    posted as one digest when the window closes. A quiet channel therefore reads entry by entry, and a
    burst costs the moderators' channel at most `threshold + 1` messages per window however large it is.
    Each guild brings its own threshold and window (they are per-server settings)."""

    def __init__(self) -> None:
        self._windows: dict[int, _Window] = {}

    def offer(self, guild_id: int, line: AuditLine, now: datetime, *, threshold: int,
              window: timedelta) -> AuditLine | None:
        """The entry to post now, or None when it was held for the digest."""
        current = self._windows.get(guild_id)
        if current is not None and current.closed(now) and current.held:
            # The digest is due but not yet collected: the entry joins it rather than jump ahead of it.
            current.held.append(line)
            return None
        if current is None or current.closed(now):
            current = self._windows[guild_id] = _Window(now, window, threshold)
        if current.posted < current.threshold:
            current.posted += 1
            return line
        current.held.append(line)
        return None

    def due(self, now: datetime) -> dict[int, str]:
        """Digests whose window has closed, per guild; those windows are forgotten."""
        ready: dict[int, str] = {}
        for guild_id, current in list(self._windows.items()):
            if not current.closed(now):
                continue
            if current.held:
                ready[guild_id] = format_digest(current.held, current.length)
            del self._windows[guild_id]
        return ready

    def pending(self, guild_id: int) -> int:
        current = self._windows.get(guild_id)
        return len(current.held) if current is not None else 0


def format_digest(lines: list[AuditLine], window: timedelta) -> str:
    """One message for many entries: the totals first (what moderators scan), then as many lines as fit."""
    outcomes = Counter(line.outcome for line in lines if line.outcome is not None)
    requesters = Counter(line.requester_id for line in lines if line.requester_id is not None)
    seconds = round(window.total_seconds())
    head = [f"**Digest**: {len(lines)} more audit entries in the last {seconds} s."]
    if outcomes:
        head.append("Outcomes: " + ", ".join(f"{name} {count}" for name, count in _ranked(outcomes)) + ".")
    if requesters:
        busiest = ", ".join(f"<@{user}> ({count})" for user, count in _ranked(requesters)[:3])
        head.append(f"Most demands from: {busiest}.")
    text = "\n".join(head)
    for shown, line in enumerate(lines):
        rest = len(lines) - shown
        tail = f"\n… and {rest} more."
        candidate = f"{text}\n- {line.text}"
        if len(candidate) + len(tail) > MESSAGE_LIMIT:
            return text + tail
        text = candidate
    return text


def _ranked(counts: Counter[str] | Counter[int]) -> list[tuple[str | int, int]]:
    # Most frequent first; ties in a stable, readable order.
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
