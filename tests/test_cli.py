"""The `quidprono` command as a user runs it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.config import Policy
from bot.core.model import InteractionKind, Preferences
from bot.core.policy import decide
from bot.storage import Store, make_engine
from bot.storage.migrate import upgrade
from tests.factories import GUILD, NOW, interaction
from tests.test_config import quidprono


def test_run_without_a_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = quidprono("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr and "Reset Token" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_prints_the_kind() -> None:
    result = quidprono("check", "follow me back pls")
    assert result.returncode == 0 and result.stdout.startswith("reciprocal")


def test_check_json_answers_every_line_in_order() -> None:
    lines = ["f4f?", "lovely drawing", "follow me back", "", "x" * 5000]
    result = quidprono("check", "--json", stdin="\n".join(lines) + "\n")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["demand"] for a in answers] == [True, False, True, False, False]
    assert list(answers[0]) == ["demand", "kind", "evidence"]
    assert answers[0]["kind"] == "reciprocal" and answers[1]["kind"] is None


def test_explain_prints_the_latest_verdict_and_the_pair_history(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'q.db'}"
    upgrade(url)

    async def seed() -> None:
        store = Store(make_engine(url))
        await store.write_events([interaction(3, 1, InteractionKind.REACTION, days_ago=1),
                                  interaction(1, 3, InteractionKind.REPLY, days_ago=2)])
        summary = await store.pair_summary(GUILD, 3, 1, Policy(), NOW)
        await store.record_demand(GUILD, 3, 1, kind="reciprocal",
                                  verdict=decide(summary, Policy(), Preferences(), [], NOW), now=NOW)
        await store.close()

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
