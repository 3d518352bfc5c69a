"""`quidprono run` with `web.enabled` serves the dashboard beside the bot."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from tests.e2e.conftest import BotProcess, World, bot_process

__all__ = ["bot_process"]  # the e2e fixture: the bot as a subprocess


async def test_run_serves_the_dashboard_when_web_is_enabled(world: World, bot_process: BotProcess,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    oauth2 = world.standin.oauth2
    monkeypatch.setenv("DISCORD_CLIENT_ID", str(oauth2.client_id))
    monkeypatch.setenv("DISCORD_CLIENT_SECRET", oauth2.client_secret)
    monkeypatch.setenv("QUIDPRONO_PUBLIC_URL", "http://127.0.0.1:9")
    bot_process.write_config(web={"enabled": True, "port": 0})
    await bot_process.start()
    found = None
    for _ in range(100):  # the log line comes once the dashboard is listening
        found = re.search(r"event=web_started url=(\S+)", bot_process.log())
        if found:
            break
        await asyncio.sleep(0.1)
    assert found, bot_process.log()
    async with aiohttp.ClientSession() as http, http.get(found[1] + "/login", allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"].startswith(world.standin.http_base + "/oauth2/authorize?")
    assert oauth2.client_secret not in bot_process.log()
    assert await bot_process.stop() == 0
