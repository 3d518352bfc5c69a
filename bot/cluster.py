"""Which shards this process runs: `QUIDPRONO_SHARD_COUNT` with `QUIDPRONO_CLUSTER` (`i/n`) or `QUIDPRONO_SHARD_IDS`.

Every process of a deployment gets the same shard count and its own cluster index, counted from 0: cluster
`i` of `n` runs a contiguous block of shard ids, so a block's IDENTIFYs spread over the `max_concurrency`
buckets. Unset, one process runs every shard Discord recommends, as before.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from bot.config import ConfigError


@dataclass(frozen=True, slots=True)
class ClusterPlan:
    shard_count: int | None = None  # None: as many as Discord recommends (GET /gateway/bot)
    shard_ids: tuple[int, ...] | None = None  # None: every shard
    cluster: tuple[int, int] | None = None  # (index, clusters), when given as i/n

    @property
    def is_partial(self) -> bool:
        """Other processes run the other shards: coordination has to go through the database."""
        return self.shard_ids is not None and self.shard_count is not None and len(self.shard_ids) < self.shard_count

    def describe(self) -> str:
        if self.shard_ids is None:
            return f"all {self.shard_count or 'recommended'} shards"
        where = f"cluster {self.cluster[0]}/{self.cluster[1]}: " if self.cluster else ""
        return f"{where}shards {','.join(map(str, self.shard_ids))} of {self.shard_count}"


def shards_of_cluster(index: int, clusters: int, shard_count: int) -> tuple[int, ...]:
    """Cluster `index`'s contiguous block; the first `shard_count % clusters` clusters take one more."""
    size, extra = divmod(shard_count, clusters)
    start = index * size + min(index, extra)
    return tuple(range(start, start + size + (1 if index < extra else 0)))


def plan_from_env(environ: Mapping[str, str] = os.environ) -> ClusterPlan:
    count_text = environ.get("QUIDPRONO_SHARD_COUNT", "").strip()
    cluster_text = environ.get("QUIDPRONO_CLUSTER", "").strip()
    ids_text = environ.get("QUIDPRONO_SHARD_IDS", "").strip()
    if not (count_text or cluster_text or ids_text):
        return ClusterPlan()
    if not count_text:
        raise ConfigError("QUIDPRONO_CLUSTER and QUIDPRONO_SHARD_IDS need QUIDPRONO_SHARD_COUNT, the same in every"
                          " process (e.g. QUIDPRONO_SHARD_COUNT=4)")
    count = _positive(count_text, "QUIDPRONO_SHARD_COUNT")
    if cluster_text and ids_text:
        raise ConfigError("set QUIDPRONO_CLUSTER or QUIDPRONO_SHARD_IDS, not both")
    if ids_text:
        return ClusterPlan(count, _shard_ids(ids_text, count))
    if not cluster_text:
        return ClusterPlan(count)
    index, clusters = _cluster(cluster_text)
    if clusters > count:
        raise ConfigError(f"QUIDPRONO_CLUSTER={cluster_text}: {clusters} clusters cannot share {count} shards;"
                          " raise QUIDPRONO_SHARD_COUNT or run fewer clusters")
    return ClusterPlan(count, shards_of_cluster(index, clusters, count), (index, clusters))


def refuse_sqlite(plan: ClusterPlan, database_url: str) -> None:
    """SQLite is one process's database: several processes sharing shards need PostgreSQL."""
    if plan.is_partial and make_url(database_url).get_backend_name() == "sqlite":
        raise ConfigError(f"{plan.describe()} means other processes run the other shards, and they must share"
                          " one PostgreSQL database: set DATABASE_URL=postgresql+asyncpg://... (SQLite serves one"
                          " process only)")


def _positive(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a whole number") from None
    if value < 1:
        raise ConfigError(f"{name}={value}: must be at least 1")
    return value


def _cluster(text: str) -> tuple[int, int]:
    index_text, slash, clusters_text = text.partition("/")
    if not slash:
        raise ConfigError(f"QUIDPRONO_CLUSTER={text!r}: write it as index/clusters, e.g. 0/2 (indexes count from 0)")
    clusters = _positive(clusters_text, "QUIDPRONO_CLUSTER's cluster count")
    try:
        index = int(index_text)
    except ValueError:
        raise ConfigError(f"QUIDPRONO_CLUSTER={text!r}: the index {index_text!r} is not a whole number") from None
    if not 0 <= index < clusters:
        raise ConfigError(f"QUIDPRONO_CLUSTER={text}: the index counts from 0, so it must be 0 to {clusters - 1}")
    return index, clusters


def _shard_ids(text: str, count: int) -> tuple[int, ...]:
    try:
        ids = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError:
        raise ConfigError(f"QUIDPRONO_SHARD_IDS={text!r}: give shard ids separated by commas, e.g. 0,1") from None
    if not ids or not all(0 <= shard < count for shard in ids):
        raise ConfigError(f"QUIDPRONO_SHARD_IDS={text!r}: shard ids run from 0 to {count - 1}"
                          f" (QUIDPRONO_SHARD_COUNT={count})")
    return tuple(ids)
