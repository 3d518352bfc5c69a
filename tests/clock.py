"""A clock the test moves by hand, injected into the bot instead of sleeping until time passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Real time plus whatever the test skipped ahead: timestamps stay realistic, waits take no time."""

    def __init__(self) -> None:
        self.skipped = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skipped

    def advance(self, **delta: float) -> None:
        """Skip ahead, e.g. `clock.advance(days=2)`."""
        self.skipped += timedelta(**delta)
