"""Slash-command basics with the bot in-process: /about, and an apology instead of a crash."""

from __future__ import annotations

import pytest

from bot.adapter.app import QuidProNo
from tests.e2e.conftest import World


async def test_about_tells_the_creed_and_what_is_stored(world: World, bot: QuidProNo) -> None:
    response = await (await world.standin.slash_command(world.general, world.carol, "about")).wait_response(5)
    assert response.ephemeral
    assert "Attention is earned, not owed" in (response.content or "")
    assert "Never the text of any message" in (response.content or "")


async def test_an_unexpected_error_gets_a_short_apology_and_the_bot_goes_on(
    world: World, bot: QuidProNo, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*_args: object) -> list[int]:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(bot.store.follows, "following", broken)
    response = await (await world.standin.slash_command(world.general, world.carol, "following")).wait_response(5)
    assert response.ephemeral and "Sorry, something went wrong" in (response.content or "")
    assert "event=interaction_failed where=command:following" in caplog.text
    monkeypatch.undo()
    again = await (await world.standin.slash_command(world.general, world.carol, "following")).wait_response(5)
    assert "You follow: nobody yet." in (again.content or "")
