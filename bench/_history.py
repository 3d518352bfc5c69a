"""A stored interaction history at scale, generated fast (numpy) and bulk-loaded into SQLite or PostgreSQL.

Members talk mostly inside a circle of 30 others, with a skewed activity (weight 1/(rank+1)^0.8: a few very
active members, many quiet ones), at uniform times over 120 days. Members per event stay fixed (100 events a
member), so 1M events over 10,000 members and 10M over 100,000 have the same shape, only more of it.

Building 10M rows takes minutes, so a built database is kept (a file or a database named after the scale and
the schema's head revision) and reused by the next run; it is rebuilt from scratch when absent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.core.model import Interaction, InteractionKind

NOW = datetime(2026, 11, 22, tzinfo=UTC)
NOW_EPOCH = int(NOW.timestamp())
DAYS = 120
CIRCLE = 30
GUILD = 1
KINDS = [kind.value for kind in InteractionKind]
CACHE = Path(os.environ.get("QPN_BENCH_CACHE", "/tmp/qpn-bench"))
POSTGRES = os.environ.get("QUIDPRONO_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
GENERATOR = 1  # bump when the generated history changes: cached databases are then rebuilt


@dataclass(frozen=True)
class History:
    """Column arrays, one entry an event; `ago` is seconds before NOW."""

    members: int
    circles: np.ndarray
    actor: np.ndarray
    target: np.ndarray
    kind: np.ndarray
    channel: np.ndarray
    ago: np.ndarray

    @property
    def events(self) -> int:
        return len(self.actor)

    def first_seen(self) -> list[tuple[int, int]]:
        """(member, unix time of their oldest event) for every actor: what the write path stores as first_seen."""
        oldest = np.full(self.members, -1, dtype=np.int64)
        np.maximum.at(oldest, self.actor, self.ago)
        return [(member, NOW_EPOCH - ago) for member, ago in enumerate(oldest.tolist()) if ago >= 0]

    def rows(self, start: int, stop: int) -> zip[tuple[int, int, str, int, int, int]]:
        """(actor, target, kind, channel, source id, unix time) for events start..stop."""
        kinds = np.array(KINDS, dtype=object)[self.kind[start:stop]]
        return zip(self.actor[start:stop].tolist(), self.target[start:stop].tolist(), kinds.tolist(),
                   self.channel[start:stop].tolist(), range(start, stop),
                   (NOW_EPOCH - self.ago[start:stop]).tolist(), strict=True)


def generate(events: int, seed: int = 11) -> History:
    members = events // 100
    rng = np.random.default_rng(seed)
    circles = rng.integers(0, members, size=(members, CIRCLE))
    weights = 1 / (np.arange(members) + 1) ** 0.8
    actor = rng.choice(members, size=events, p=weights / weights.sum())
    target = circles[actor, rng.integers(0, CIRCLE, size=events)]
    return History(members, circles, actor, target, kind=rng.integers(0, len(KINDS), size=events),
                   channel=rng.integers(0, 25, size=events), ago=rng.integers(0, DAYS * 86_400, size=events))


def sample_pairs(history: History, count: int, seed: int = 12) -> list[tuple[int, int]]:
    """Requesters drawn uniformly; 80% ask someone of their circle (real history), 20% a stranger."""
    rng = np.random.default_rng(seed)
    requesters = rng.integers(0, history.members, size=count)
    in_circle = history.circles[requesters, rng.integers(0, CIRCLE, size=count)]
    strangers = rng.integers(0, history.members, size=count)
    targets = np.where(rng.random(count) < 0.8, in_circle, strangers)
    return list(zip(requesters.tolist(), targets.tolist(), strict=True))


def as_interactions(history: History) -> list[Interaction]:
    """The history as the write path takes it (slow at 10M: for the 1M-event seeds of other benchmarks)."""
    return [Interaction(guild_id=GUILD, actor_id=actor, target_id=target, kind=InteractionKind(kind),
                        channel_id=channel, source_id=source, occurred_at=datetime.fromtimestamp(at, UTC))
            for actor, target, kind, channel, source, at in history.rows(0, history.events)]
