"""One error path: when the database fails under a button, a modal or a listener, the person gets a
polite private answer and the log one line with guild, channel and interaction ids, never their words."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.adapter.app import QuidProNo
from bot.adapter.errors import APOLOGY
from tests.e2e.conftest import World
from tests.e2e.test_members import button, command, demand

WORDS = "follow me back!"  # what the member wrote; it must never reach the log


def database_down(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("SELECT 1", {}, Exception("database is locked"))


def failure_lines(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(f"event={event} ")]


async def logged(caplog: pytest.LogCaptureFixture, event: str) -> logging.LogRecord:
    """The log line, once the bot wrote it (a listener has no one to answer: the log is the signal)."""
    for _ in range(200):
        if found := failure_lines(caplog, event):
            return found[0]
        await asyncio.sleep(0.025)
    raise AssertionError(f"no event={event} logged")


def assert_ids_and_no_text(record: logging.LogRecord, world: World, **ids: int) -> None:
    line = record.getMessage()
    assert f"guild_id={world.guild.id}" in line and f"channel_id={world.general.id}" in line
    for name, value in ids.items():
        assert f"{name}={value}" in line
    assert WORDS not in line and "follow me" not in (record.exc_text or "")
    assert "error=OperationalError" in line or record.exc_info is not None


async def test_why_button_with_the_database_down(world: World, bot: QuidProNo, caplog: pytest.LogCaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    reply = await demand(world, world.carol, world.alice)
    monkeypatch.setattr(bot.store, "demand", database_down)
    pressed = await world.standin.click_button(reply, button(reply, "Why?"), world.carol)
    answer = await pressed.wait_response(5)
    assert answer.ephemeral and answer.content == APOLOGY
    record = failure_lines(caplog, "interaction_failed")[0]
    assert_ids_and_no_text(record, world, interaction_id=pressed.id, user_id=world.carol.id)
    assert "where=item:WhyButton" in record.getMessage()


async def test_forget_me_confirmation_with_the_database_down(world: World, bot: QuidProNo,
                                                             caplog: pytest.LogCaptureFixture,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    asked = await command(world, world.bob, "forget-me")
    assert asked.message is not None
    monkeypatch.setattr(bot.store.privacy, "forget", database_down)
    erase = next(c["custom_id"] for row in asked.components for c in row["components"]
                 if c["label"] == "Erase my data")
    pressed = await world.standin.click_button(asked.message, erase, world.bob)
    answer = await pressed.wait_response(5)
    assert answer.ephemeral and answer.content == APOLOGY
    record = failure_lines(caplog, "interaction_failed")[0]
    assert_ids_and_no_text(record, world, interaction_id=pressed.id)
    assert "where=view:ForgetConfirmation" in record.getMessage()


async def test_terms_modal_with_the_database_down(world: World, bot: QuidProNo, caplog: pytest.LogCaptureFixture,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    opened = await world.standin.slash_command(world.general, world.alice, "terms set")
    monkeypatch.setattr(bot.store.preferences, "set_terms", database_down)
    submitted = await world.standin.submit_modal(opened, {"qpn:terms:text": WORDS})
    answer = await submitted.wait_response(5)
    assert answer.ephemeral and answer.content == APOLOGY
    record = failure_lines(caplog, "interaction_failed")[0]
    assert_ids_and_no_text(record, world, interaction_id=submitted.id)
    assert "where=modal:TermsModal" in record.getMessage()


def listener_bug(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("a bug in a listener")


async def test_a_listener_that_fails_logs_ids_and_carries_on(world: World, bot: QuidProNo,
                                                             caplog: pytest.LogCaptureFixture,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    message = await world.standin.send_message(world.general, world.alice, WORDS)
    monkeypatch.setattr(bot.store, "withdraw_sources", listener_bug)
    await world.standin.delete_message(message)
    record = await logged(caplog, "handler_failed")
    assert_ids_and_no_text(record, world)
    monkeypatch.undo()
    reply = await demand(world, world.carol, world.alice)  # and the bot still answers
    assert reply.content


async def test_a_listener_meeting_a_database_outage_keeps_the_event_for_later(world: World, bot: QuidProNo,
                                                                              caplog: pytest.LogCaptureFixture,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The outage is logged once, without the member's words; the deletion waits and is carried out once the
    database is back (ingestion's outage path, not the error handler's)."""
    message = await world.standin.send_message(world.general, world.alice, WORDS)
    withdrawn: list[list[int]] = []
    carried_out = asyncio.Event()
    real_withdraw = bot.store.withdraw_sources

    async def withdraw_once_back(guild_id: int, source_ids: Any) -> int:
        withdrawn.append(list(source_ids))
        count = await real_withdraw(guild_id, source_ids)
        carried_out.set()
        return count

    monkeypatch.setattr(bot.store, "withdraw_sources", database_down)
    await world.standin.delete_message(message)
    record = await logged(caplog, "db_outage_started")
    assert WORDS not in record.getMessage() and not failure_lines(caplog, "handler_failed")
    monkeypatch.setattr(bot.store, "withdraw_sources", withdraw_once_back)
    await asyncio.wait_for(carried_out.wait(), timeout=60)  # the batcher retries with backoff
    assert withdrawn == [[message.id]]
