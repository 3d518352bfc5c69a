"""Clusters: which shards a process runs, from its environment; SQLite refuses to be shared."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cluster import ClusterPlan, plan_from_env, refuse_sqlite, shards_of_cluster
from bot.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_unset_runs_every_recommended_shard() -> None:
    plan = plan_from_env({})
    assert plan == ClusterPlan() and not plan.is_partial


def test_clusters_split_the_shards_into_contiguous_blocks() -> None:
    assert [shards_of_cluster(i, 2, 4) for i in range(2)] == [(0, 1), (2, 3)]
    assert [shards_of_cluster(i, 3, 7) for i in range(3)] == [(0, 1, 2), (3, 4), (5, 6)]
    every = [s for i in range(5) for s in shards_of_cluster(i, 5, 23)]
    assert every == list(range(23))


def test_cluster_from_the_environment() -> None:
    plan = plan_from_env({"QUIDPRONO_SHARD_COUNT": "4", "QUIDPRONO_CLUSTER": "1/2"})
    assert (plan.shard_count, plan.shard_ids, plan.is_partial) == (4, (2, 3), True)
    assert plan.describe() == "cluster 1/2: shards 2,3 of 4"
    explicit = plan_from_env({"QUIDPRONO_SHARD_COUNT": "4", "QUIDPRONO_SHARD_IDS": "3, 1"})
    assert explicit.shard_ids == (1, 3)
    whole = plan_from_env({"QUIDPRONO_SHARD_COUNT": "3", "QUIDPRONO_CLUSTER": "0/1"})
    assert whole.shard_ids == (0, 1, 2) and not whole.is_partial


@pytest.mark.parametrize(("environ", "message"), [
    ({"QUIDPRONO_CLUSTER": "0/2"}, "need QUIDPRONO_SHARD_COUNT"),
    ({"QUIDPRONO_SHARD_COUNT": "four"}, "not a whole number"),
    ({"QUIDPRONO_SHARD_COUNT": "0"}, "at least 1"),
    ({"QUIDPRONO_SHARD_COUNT": "4", "QUIDPRONO_CLUSTER": "2"}, "index/clusters"),
    ({"QUIDPRONO_SHARD_COUNT": "4", "QUIDPRONO_CLUSTER": "2/2"}, "counts from 0"),
    ({"QUIDPRONO_SHARD_COUNT": "2", "QUIDPRONO_CLUSTER": "0/3"}, "cannot share 2 shards"),
    ({"QUIDPRONO_SHARD_COUNT": "2", "QUIDPRONO_SHARD_IDS": "0,2"}, "run from 0 to 1"),
    ({"QUIDPRONO_SHARD_COUNT": "2", "QUIDPRONO_SHARD_IDS": "0", "QUIDPRONO_CLUSTER": "0/2"}, "not both"),
])
def test_bad_values_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        plan_from_env(environ)


def test_sqlite_refuses_a_partial_cluster() -> None:
    partial = plan_from_env({"QUIDPRONO_SHARD_COUNT": "4", "QUIDPRONO_CLUSTER": "0/2"})
    with pytest.raises(ConfigError, match="PostgreSQL"):
        refuse_sqlite(partial, "sqlite+aiosqlite:///bot.db")
    refuse_sqlite(partial, "postgresql+asyncpg://db/quidprono")
    refuse_sqlite(plan_from_env({"QUIDPRONO_SHARD_COUNT": "4"}), "sqlite+aiosqlite:///bot.db")


def test_run_refuses_sqlite_clusters_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIDPRONO_", "DATABASE_URL"))}
    env |= {"DISCORD_TOKEN": "x", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "QUIDPRONO_SHARD_COUNT": "4", "QUIDPRONO_CLUSTER": "1/2"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "PostgreSQL" in result.stderr, result.stderr
    assert not (tmp_path / "bot.db").exists()  # refused before touching the database
