"""A heartbeat file the running bot keeps fresh, and the check the container's HEALTHCHECK runs."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path


def write_heartbeat(path: Path, now: datetime, **detail: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"at": now.isoformat(), **detail}), encoding="utf-8")
    os.replace(partial, path)  # a reader never sees half a file


def check_heartbeat(path: Path, max_age_seconds: float, now: datetime | None = None) -> str | None:
    """None when healthy, otherwise why not."""
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        at = datetime.fromisoformat(beat["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"no readable heartbeat at {path}: is the bot running?"
    if beat.get("healthy") is False:  # running, but not doing its job: the database is away
        return f"unhealthy: {beat.get('problem') or 'see the log'}"
    age = ((now or datetime.now(UTC)) - at).total_seconds()
    if age > max_age_seconds:
        return f"last heartbeat {age:.0f} s ago (limit {max_age_seconds:.0f} s): disconnected or writes failing"
    return None
