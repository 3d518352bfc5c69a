"""The `quidprono` command as a user runs it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.core.model import InteractionKind, Preferences
from bot.core.policy import decide
from bot.core.settings import Policy
from bot.storage import Store, make_engine
from bot.storage.migrate import upgrade
from tests.factories import GUILD, interaction, pair_summary
from tests.test_config import quidprono


def test_run_without_a_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = quidprono("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr and "Reset Token" in result.stderr
    assert "`make demo`" in result.stderr  # the way to try it without a token
    assert "Traceback" not in result.stderr


def test_check_prints_the_kind() -> None:
    result = quidprono("check", "follow me back pls")
    assert result.returncode == 0 and result.stdout.startswith("reciprocal")


def test_check_json_answers_every_line_in_order() -> None:
    lines = ["f4f?", "lovely drawing", "follow me back", "", "x" * 5000]
    result = quidprono("check", "--json", stdin="\n".join(lines) + "\n")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["demand"] for a in answers] == [True, False, True, False, False]
    assert list(answers[0]) == ["demand", "kind", "evidence", "confidence", "ask"]
    assert answers[0]["confidence"] > 0.9 and answers[1]["confidence"] == 0.0 and not answers[0]["ask"]
    assert answers[0]["kind"] == "reciprocal" and answers[1]["kind"] is None


def test_explain_prints_the_latest_verdict_and_the_pair_history(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'q.db'}"
    upgrade(url)

    async def seed() -> None:
        store = Store(make_engine(url))
        # `explain` reads the history at the real time: date the events from the real clock.
        await store.write_events([interaction(3, 1, InteractionKind.REACTION, days_ago=1, now=now),
                                  interaction(1, 3, InteractionKind.REPLY, days_ago=2, now=now)])
        summary = await pair_summary(store, GUILD, 3, 1, policy=Policy(), now=now)
        await store.record_demand(GUILD, 3, 1, kind="reciprocal",
                                  verdict=decide(summary, Policy(), Preferences(), [], now), now=now)
        await store.close()

    now = datetime.now(UTC)
    asyncio.run(seed())
    pair = ("--guild", str(GUILD), "--requester", "3", "--target", "1")
    result = quidprono("explain", *pair, "--json", database_url=url)
    text = quidprono("explain", *pair, database_url=url)
    none = quidprono("explain", "--guild", str(GUILD), "--requester", "1", "--target", "3", "--json", database_url=url)
    report = json.loads(result.stdout)
    assert report["outcome"] == "decline"
    assert report["reasons"][0]["code"] == "not_enough_engagement"
    assert report["evidence"]["score_out"] > 0
    assert report["summary"]["outgoing"]["counts"]["reaction"] == 1
    assert report["summary"]["incoming"]["counts"]["reply"] == 1
    assert json.loads(none.stdout)["outcome"] is None
    assert "Public reply:" in text.stdout and "Private explanation:" in text.stdout


def test_eval_meets_the_targets_on_the_dev_set_and_names_a_bad_line(tmp_path: Path) -> None:
    good = quidprono("eval", "tests/data/demands-dev.tsv")
    assert good.returncode == 0 and "targets: met" in good.stdout
    bad = tmp_path / "bad.tsv"
    bad.write_text("label\tsure\tsource\tid\ttext\nrequest\tmaybe\tx\t1\tfollow me\n")
    result = quidprono("eval", str(bad))
    assert result.returncode == 2 and "line 2" in result.stderr and "Traceback" not in result.stderr


def test_check_json_survives_bytes_that_are_not_utf8() -> None:
    hostile = b"f4f?\n\xff\xfe\x00 follow me back\n"
    result = subprocess.run([sys.executable, "-m", "bot", "check", "--json"], input=hostile, capture_output=True,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"}, timeout=60, check=False)
    answers = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 0 and [a["demand"] for a in answers] == [True, True]


def test_explain_refuses_impossible_ids_and_names_a_missing_schema(tmp_path: Path) -> None:
    huge = quidprono("explain", "--guild", "9" * 30, "--requester", "1", "--target", "2")
    assert huge.returncode == 2 and "not a Discord id" in huge.stderr
    empty = quidprono("explain", "--guild", "1", "--requester", "1", "--target", "2",
                      database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert empty.returncode == 1 and "quidprono db upgrade" in empty.stderr and "Traceback" not in empty.stderr
