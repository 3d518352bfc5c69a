"""Configuration: documented defaults, and one clear line with exit status 2 for each kind of mistake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Environment, load_settings
from bot.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def quidprono(*args: str, config: Path | None = None, token: str | None = None,
              stdin: str | None = None, cwd: Path | None = None,
              database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "QUIDPRONO_CONFIG", "DATABASE_URL"}}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    if config is not None:
        env["QUIDPRONO_CONFIG"] = str(config)
    if token is not None:
        env["DISCORD_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                          input=stdin, cwd=cwd or ROOT, timeout=60, check=False)


def test_config_yaml_documents_exactly_the_defaults() -> None:
    assert load_settings(ROOT / "config.yaml") == Settings()


def test_a_file_may_change_only_some_keys(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("policy:\n  cooldown_minutes: 5\nreplies:\n  public:\n    decline: 'Not yet, {requester}.'\n")
    settings = load_settings(path)
    assert settings.policy.cooldown_minutes == 5 and settings.policy.window_days == 90
    assert settings.replies.public["decline"] == "Not yet, {requester}."
    assert settings.replies.public["connect"] == Settings().replies.public["connect"]


@pytest.mark.parametrize(("content", "expected"), [
    ("policy:\n  cooldown_minutes: 5\n  window_dayz: 3\n", "(line 3): policy.window_dayz: unknown key"),
    ("policy:\n  window_days: ninety\n", "(line 2): policy.window_days: Input should be a valid integer"),
    ("policy:\n  weights:\n    reply: -1\n",
     "(line 3): policy.weights.reply: Input should be greater than or equal to 0"),
    ("replies:\n  private:\n    decline: 'You scored {karma}'\n",
     "(line 3): replies.private.decline: template names unknown field(s) {karma}"),
    ("replies:\n  public:\n    decline: 'Your score is {score_out}'\n",
     "(line 3): replies.public.decline: template names unknown field(s) {score_out}"),
    ("policy:\n  window_days: [90\n", "line 3, column 1: broken YAML"),
    ("policy:\n\twindow_days: 90\n", "line 2, column 1: broken YAML"),
    ("- just\n- a list\n", "the file must be a mapping of sections"),
    ("policy:\n  cooldown_minutes: 5\n  cooldown_minutes: 6\n", "(line 3): policy.cooldown_minutes: key given twice"),
])
def test_each_bad_config_gives_one_clear_line_and_exit_2(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    result = quidprono("check", "hello", config=path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and str(path) in lines[0]
    assert "Traceback" not in result.stderr


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    result = quidprono("check", "hello", config=tmp_path / "nope.yaml")
    assert result.returncode == 2 and "nope.yaml: cannot read the configuration file" in result.stderr


def test_environment_defaults_and_secrets() -> None:
    env = Environment.read({"DISCORD_TOKEN": " abc.def "})
    assert env.token is not None and env.token.get_secret_value() == "abc.def"
    assert "abc" not in repr(env)
    assert env.database_url == "sqlite+aiosqlite:///data/quidprono.db"
    assert Environment.read({"DISCORD_TOKEN": "  "}).token is None


@pytest.mark.parametrize("template", ["{requester:>2000000000}", "{requester.__class__.__mro__}", "{requester!r}",
                                      "{0}", "x" * 1001])
def test_templates_allow_only_plain_fields_of_a_sane_length(template: str) -> None:
    from bot.config import ConfigError, with_overrides

    with pytest.raises(ConfigError, match=r"replies\.public\.decline: malformed template"):
        with_overrides(Settings(), {"replies": {"public": {"decline": template}}})


def test_a_server_may_move_its_ask_band_but_not_put_asking_above_answering() -> None:
    from bot.config import ConfigError, with_overrides

    moved = with_overrides(Settings(), {"detection": {"answer_threshold": 0.9, "ask_threshold": 0.6}}).detection
    assert (moved.answer_threshold, moved.ask_threshold) == (0.9, 0.6)
    with pytest.raises(ConfigError, match="ask_threshold must not be above"):
        with_overrides(Settings(), {"detection": {"ask_threshold": 0.95}})
    with pytest.raises(ConfigError, match="answer_threshold"):
        with_overrides(Settings(), {"detection": {"answer_threshold": 1.5}})


def test_stored_overrides_keep_every_valid_key_and_name_each_rejected_one() -> None:
    from bot.config import Ignored, tolerant_overrides

    stored = {"scope": {"deny_channels": [5]}, "policy": {"gone": 1, "daily_demand_cap": -3, "window_days": 30},
              "replies": {"public": {"decline": "{nobody}"}}}
    settings, ignored = tolerant_overrides(Settings(), stored)
    assert settings.scope.deny_channels == (5,) and settings.policy.window_days == 30
    assert settings.policy.daily_demand_cap == Settings().policy.daily_demand_cap
    assert [item.key for item in ignored] == ["policy.daily_demand_cap", "policy.gone", "replies.public.decline"]
    assert ignored[1] == Ignored("policy.gone", "unknown key")
    assert stored["policy"] == {"gone": 1, "daily_demand_cap": -3, "window_days": 30}  # the stored copy untouched
    assert tolerant_overrides(Settings(), {}) == (Settings(), [])
