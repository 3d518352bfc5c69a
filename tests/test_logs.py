"""Logs are structured and never carry the token."""

from __future__ import annotations

import json
import logging

import pytest

from bot import logs

TOKEN = "MTIzNDU2.secret-token.value"


@pytest.fixture(autouse=True)
def _restore_root_logger() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield None
    root.handlers[:], root.level = handlers, level


def test_keyvalue_lines_redact_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("keyvalue", "INFO", secrets=[TOKEN])
    logging.getLogger("t").info("event=login token=%s", TOKEN, extra={"guild_id": 5})
    line = capsys.readouterr().err
    assert TOKEN not in line and "[redacted]" in line
    assert "level=INFO" in line and "guild_id=5" in line


def test_json_lines_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("json", "INFO", secrets=[TOKEN])
    logging.getLogger("t").warning("Bot %s", TOKEN)
    record = json.loads(capsys.readouterr().err)
    assert record["level"] == "WARNING" and record["msg"] == "Bot [redacted]"
